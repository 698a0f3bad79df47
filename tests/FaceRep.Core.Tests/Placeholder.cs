namespace FaceRep.Core.Tests;
