using FaceRep.Training.Tasks;

namespace FaceRep.Training.Tests.Tasks;

public sealed class RecognitionPairsTests
{
    [Fact]
    public void Every_pair_is_scored_once_by_cosine_similarity()
    {
        // Unit embeddings in 2D: a = (1, 0), b = (0, 1), c = (0.6, 0.8); identities 7, 7, 9.
        float[] embeddings = [1, 0, 0, 1, 0.6f, 0.8f];

        var (scores, same) = RecognitionTask.Pairs(embeddings, [7, 7, 9], 2);

        // Pairs in order (a,b), (a,c), (b,c).
        Assert.Equal([0f, 0.6f, 0.8f], scores);
        Assert.Equal([true, false, false], same);
    }
}
