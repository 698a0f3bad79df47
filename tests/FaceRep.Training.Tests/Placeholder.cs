namespace FaceRep.Training.Tests;
