namespace FaceRep.Grid;
internal static class AssemblyMarker;
