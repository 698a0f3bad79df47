namespace FaceRep.Results;
internal static class AssemblyMarker;
