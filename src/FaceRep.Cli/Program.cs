System.Console.WriteLine(FaceRep.Training.TorchProbe.Threads());
