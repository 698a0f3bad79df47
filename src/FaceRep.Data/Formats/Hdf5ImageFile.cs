using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace FaceRep.Data.Formats;

/// <summary>
/// An HDF5 file whose dataset (by default <c>images</c>) holds one encoded image per entry as variable-length
/// uint8 (h5py <c>vlen_dtype(uint8)</c>), the layout of the paper's released pre-training code. The count
/// and single entries are read lazily; contiguous, compact and gzip-chunked layouts all read. Reads are
/// serialised, so one instance may be shared between threads.
/// </summary>
public sealed class Hdf5ImageFile : IDisposable
{
    private readonly NativeFile _file;
    private readonly IH5Dataset _dataset;
    private readonly Lock _gate = new();

    private Hdf5ImageFile(string path, string datasetName, NativeFile file, IH5Dataset dataset, int count)
    {
        Path = path;
        DatasetName = datasetName;
        _file = file;
        _dataset = dataset;
        Count = count;
    }

    /// <summary>The file's path, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The dataset holding the images.</summary>
    public string DatasetName { get; }

    /// <summary>Number of entries.</summary>
    public int Count { get; }

    /// <summary>The dataset's storage layout (Compact, Contiguous or Chunked).</summary>
    public string Layout => _dataset.Layout.Class.ToString();

    /// <summary>Opens <paramref name="path"/> and checks that <paramref name="datasetName"/> is a 1-D variable-length uint8 dataset.</summary>
    public static Hdf5ImageFile Open(string path, string datasetName = "images")
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        NativeFile file;
        try
        {
            file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(path, null, null, $"not a readable HDF5 file: {e.Message}", e);
        }

        try
        {
            if (!file.LinkExists(datasetName))
            {
                var names = string.Join(", ", file.Children().Select(c => c.Name));
                throw new DataFormatException(path, null, datasetName, $"no dataset '{datasetName}' (top-level objects: {(names.Length == 0 ? "none" : names)})");
            }

            var dataset = file.Dataset(datasetName);
            var dims = dataset.Space.Dimensions;
            if (dims.Length != 1)
            {
                throw new DataFormatException(path, null, $"[{string.Join(", ", dims)}]", $"dataset '{datasetName}' must be one-dimensional (one encoded image per entry)");
            }

            var type = dataset.Type;
            var element = type.Class == H5DataTypeClass.VariableLength ? type.VariableLength.BaseType : null;
            if (element is null || element.Class != H5DataTypeClass.FixedPoint || element.Size != 1)
            {
                var found = element is null ? $"{type.Class} (size {type.Size})" : $"variable-length {element.Class} (size {element.Size})";
                throw new DataFormatException(path, null, found, $"dataset '{datasetName}' must hold variable-length uint8 (h5py vlen_dtype(uint8))");
            }

            if (dims[0] > int.MaxValue)
            {
                throw new DataFormatException(path, null, dims[0].ToString(System.Globalization.CultureInfo.InvariantCulture), "too many entries");
            }

            return new Hdf5ImageFile(path, datasetName, file, dataset, (int)dims[0]);
        }
        catch (Exception e) when (e is not (DataFormatException or OutOfMemoryException))
        {
            // The library reads the file's structure lazily and reports a file cut short or
            // damaged with plain exceptions ("The file is too small"): still a format error.
            file.Dispose();
            throw new DataFormatException(path, null, null, $"not a readable HDF5 file (truncated or damaged): {e.Message}", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The name of entry <paramref name="index"/> in messages: <c>path[dataset][index]</c>.</summary>
    public string ItemName(int index) => $"{Path}[{DatasetName}][{index}]";

    /// <summary>
    /// The encoded bytes of entry <paramref name="index"/> (empty for an entry written empty or never written);
    /// an entry the library cannot read is a <see cref="CorruptSampleException"/>.
    /// </summary>
    public byte[] ReadEncoded(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        try
        {
            lock (_gate)
            {
                var one = _dataset.Read<byte[][]>(new HyperslabSelection(start: (ulong)index, block: 1));
                return one.Length == 1 && one[0] is { } bytes ? bytes : [];
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or ObjectDisposedException))
        {
            throw new CorruptSampleException(ItemName(index), $"cannot read the entry: {e.Message}", e);
        }
    }

    /// <summary>Decodes entry <paramref name="index"/>; throws <see cref="CorruptSampleException"/> if it cannot be decoded.</summary>
    public DecodedImage Decode(int index, int resolution) => ImageDecoder.Decode(ReadEncoded(index), resolution, ItemName(index));

    /// <summary>Decodes every entry in order, skipping (and reporting) the ones that cannot be decoded.</summary>
    public DecodedImageStream DecodeAll(int resolution, Action<string>? onSkip = null) =>
        new(Count, resolution, ItemName, ReadEncoded, _ => -1, onSkip);

    public void Dispose() => _file.Dispose();
}
