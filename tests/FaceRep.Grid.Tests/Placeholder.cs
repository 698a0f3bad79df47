namespace FaceRep.Grid.Tests;
