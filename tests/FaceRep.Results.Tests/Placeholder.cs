namespace FaceRep.Results.Tests;
