namespace FaceRep.Cli.Tests;
