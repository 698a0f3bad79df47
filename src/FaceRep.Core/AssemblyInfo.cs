namespace FaceRep.Core;
internal static class AssemblyMarker;
