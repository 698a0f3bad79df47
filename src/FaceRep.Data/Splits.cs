namespace FaceRep.Data;

/// <summary>Train, validation and test indices of one dataset.</summary>
/// <param name="Train">Indices few-shot subsets are drawn from.</param>
/// <param name="Validation">Indices hyper-parameters are chosen on.</param>
/// <param name="Test">Indices results are reported on.</param>
public sealed record SplitIndices(int[] Train, int[] Validation, int[] Test);

/// <summary>Seeded splits for datasets whose format defines none.</summary>
public static class Splits
{
    /// <summary>
    /// Splits by subject: every sample of a subject lands in the same split, so a model is never tested
    /// on a person it trained on. Subjects are shuffled by <paramref name="seed"/> and dealt out until each
    /// split holds about its share of samples (validation and test first). Deterministic; sorted indices.
    /// </summary>
    public static SplitIndices SubjectExclusive(IReadOnlyList<int> subjects, double validation, double test, int seed)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        if (!(validation >= 0 && test > 0 && validation + test < 1))
            throw new ArgumentOutOfRangeException(nameof(validation), $"validation {validation} and test {test} must be shares with validation ≥ 0, test > 0 and validation + test < 1");
        var bySubject = Enumerable.Range(0, subjects.Count).GroupBy(i => subjects[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        if (bySubject.Length < 3)
            throw new ArgumentException($"{bySubject.Length} subject(s) cannot fill three subject-exclusive splits", nameof(subjects));

        var rng = new Random(seed);
        rng.Shuffle(bySubject);
        var total = subjects.Count;
        var testSet = new List<int>();
        var validationSet = new List<int>();
        var trainSet = new List<int>();
        foreach (var group in bySubject)
        {
            if (testSet.Count < test * total)
                testSet.AddRange(group);
            else if (validationSet.Count < validation * total)
                validationSet.AddRange(group);
            else
                trainSet.AddRange(group);
        }

        if (trainSet.Count == 0)
            throw new ArgumentException($"no subject is left for training after taking {test:P0} for test and {validation:P0} for validation", nameof(subjects));
        return new SplitIndices(Sorted(trainSet), Sorted(validationSet), Sorted(testSet));
    }

    private static int[] Sorted(List<int> list)
    {
        list.Sort();
        return list.ToArray();
    }
}
