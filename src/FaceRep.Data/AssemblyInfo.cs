namespace FaceRep.Data;
internal static class AssemblyMarker;
