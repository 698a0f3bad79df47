namespace FaceRep.Grid.Abstractions;
internal static class AssemblyMarker;
