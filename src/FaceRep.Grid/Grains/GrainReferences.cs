namespace FaceRep.Grid.Grains;

/// <summary>
/// Grain references by string key without re-resolving the interface on every call: Orleans'
/// <c>GetGrain&lt;T&gt;(key)</c> looks up the interface's grain type through attribute reflection
/// each time, which a profile of a 10k-job sweep put at a tenth of the silo's CPU. The grain and
/// interface types are resolved once per interface (they are fixed per build) and references are
/// made from them directly.
/// </summary>
public static class GrainReferences
{
    /// <summary>The reference to the grain of interface <typeparamref name="T"/> with <paramref name="key"/>.</summary>
    public static T Ref<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        var (grainType, interfaceType) = Types<T>.Resolve(grains);
        return (T)grains.GetGrain(GrainId.Create(grainType, key), interfaceType);
    }

    private static class Types<T> where T : IGrainWithStringKey
    {
        private static (GrainType, GrainInterfaceType)? s_resolved;

        public static (GrainType, GrainInterfaceType) Resolve(IGrainFactory grains)
        {
            if (s_resolved is { } known)
                return known;
            // The first reference is made the ordinary way; its ids are what every later one reuses.
            var reference = (GrainReference)(object)grains.GetGrain<T>("-");
            var resolved = (reference.GrainId.Type, reference.InterfaceType);
            s_resolved = resolved;
            return resolved;
        }
    }
}
