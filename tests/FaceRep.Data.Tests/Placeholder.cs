namespace FaceRep.Data.Tests;
