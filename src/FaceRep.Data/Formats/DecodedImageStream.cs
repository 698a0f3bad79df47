using System.Collections;

namespace FaceRep.Data.Formats;

/// <summary>One image produced by a <see cref="DecodedImageStream"/>.</summary>
/// <param name="Index">Index of the item in its collection.</param>
/// <param name="Item">The item's name (file path, or <c>file.h5[images][i]</c>).</param>
/// <param name="Label">Identity label, or −1 when the collection has none.</param>
/// <param name="Image">The decoded, resized pixels.</param>
public sealed record StreamedImage(int Index, string Item, int Label, DecodedImage Image);

/// <summary>
/// Decodes the items of a collection in order, skipping those that cannot be decoded: each skip is counted
/// and reported through the callback as one line naming the item and the reason; no single item throws.
/// Counters restart with every enumeration and are complete once it ends.
/// </summary>
public sealed class DecodedImageStream : IEnumerable<StreamedImage>
{
    private readonly int _count;
    private readonly int _resolution;
    private readonly Func<int, string> _name;
    private readonly Func<int, byte[]> _read;
    private readonly Func<int, int> _label;
    private readonly Action<string>? _onSkip;
    private readonly List<string> _skippedItems = [];

    internal DecodedImageStream(int count, int resolution, Func<int, string> name, Func<int, byte[]> read, Func<int, int> label, Action<string>? onSkip)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        _count = count;
        _resolution = resolution;
        _name = name;
        _read = read;
        _label = label;
        _onSkip = onSkip;
    }

    /// <summary>Images decoded so far in the current enumeration.</summary>
    public int Decoded { get; private set; }

    /// <summary>Items skipped so far in the current enumeration.</summary>
    public int Skipped { get; private set; }

    /// <summary>Names of the items skipped so far, in order.</summary>
    public IReadOnlyList<string> SkippedItems => _skippedItems;

    public IEnumerator<StreamedImage> GetEnumerator()
    {
        Decoded = 0;
        Skipped = 0;
        _skippedItems.Clear();
        for (var i = 0; i < _count; i++)
        {
            var image = TryDecode(i);
            if (image is not null)
            {
                Decoded++;
                yield return image;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private StreamedImage? TryDecode(int index)
    {
        var item = _name(index);
        try
        {
            var decoded = ImageDecoder.Decode(_read(index), _resolution, item);
            return new StreamedImage(index, item, _label(index), decoded);
        }
        catch (CorruptSampleException e)
        {
            Skipped++;
            _skippedItems.Add(item);
            _onSkip?.Invoke($"skipped {item}: {e.Reason}");
            return null;
        }
    }
}
