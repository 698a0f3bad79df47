using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Text;
using PureHDF;
using PureHDF.VOL.Native;
using SkiaSharp;

namespace FaceRep.Data.Formats;

/// <summary>An 8-bit image of a MATLAB cell, turned row-major: <c>Pixels[(y · Width + x) · Channels + c]</c>.</summary>
/// <param name="Width">Columns (MATLAB's second dimension).</param>
/// <param name="Height">Rows (MATLAB's first dimension).</param>
/// <param name="Channels">1 (grey, an H×W array) or 3 (RGB, an H×W×3 array).</param>
/// <param name="Pixels">Width × Height × Channels bytes, rows top to bottom, channels interleaved.</param>
public sealed record MatImage(int Width, int Height, int Channels, byte[] Pixels)
{
    /// <summary>The image as a PNG (lossless; grey stays one channel).</summary>
    /// <param name="item">The image's name for error messages.</param>
    public byte[] EncodePng(string item)
    {
        SKImageInfo info;
        byte[] pixels;
        if (Channels == 1)
        {
            info = new SKImageInfo(Width, Height, SKColorType.Gray8, SKAlphaType.Opaque);
            pixels = Pixels;
        }
        else
        {
            info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            pixels = new byte[4 * Width * Height];
            for (int p = 0, q = 0; p < pixels.Length; p += 4, q += 3)
            {
                pixels[p] = Pixels[q];
                pixels[p + 1] = Pixels[q + 1];
                pixels[p + 2] = Pixels[q + 2];
                pixels[p + 3] = 255;
            }
        }

        using var image = SKImage.FromPixelCopy(info, pixels)
            ?? throw new InvalidOperationException($"{item}: cannot make a {Width}×{Height} image of {Channels} channel(s)");
        using var pixmap = image.PeekPixels();
        // A fast deflate level: the PNG only carries the pixels to the decoder, losslessly.
        using var data = pixmap?.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 1))
            ?? throw new InvalidOperationException($"{item}: the PNG encoder failed on a {Width}×{Height} image");
        return data.ToArray();
    }
}

/// <summary>
/// A reader of MATLAB v7.3 MAT-files: HDF5 behind a 512-byte userblock whose header text starts
/// "MATLAB 7.3 MAT-file". Each variable is a dataset of the root group with a <c>MATLAB_class</c> attribute;
/// MATLAB is column-major, so an array of MATLAB dimensions d₁×…×dₙ is stored with the dimensions reversed
/// (an N×87 matrix as an 87×N dataset), which makes the dataset's order MATLAB's column-major order. A cell
/// array is a dataset of HDF5 object references into the <c>#refs#</c> group, one per cell, in the same order.
/// It reads real numeric variables (converted to double, with MATLAB's dimensions) and cell arrays of uint8
/// images. The file is memory-mapped; every read is serialised, so one instance may be shared between threads.
/// Level-5 MAT-files (<c>-v7</c> and earlier) are refused with a message: <see cref="MatFile"/> reads them.
/// </summary>
public sealed class MatV73File : IDisposable
{
    internal const string RefsGroup = "#refs#";
    private const string ClassAttribute = "MATLAB_class";
    private const string EmptyAttribute = "MATLAB_empty";

    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly Dictionary<string, int> ClassIds = new(StringComparer.Ordinal)
    {
        ["double"] = 6,
        ["single"] = 7,
        ["int8"] = 8,
        ["uint8"] = 9,
        ["int16"] = 10,
        ["uint16"] = 11,
        ["int32"] = 12,
        ["uint32"] = 13,
        ["int64"] = 14,
        ["uint64"] = 15,
        ["logical"] = 9,
    };

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly NativeFile _file;
    private readonly Lock _gate = new();

    private MatV73File(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, NativeFile file, IReadOnlyList<string> variables)
    {
        Path = path;
        _map = map;
        _view = view;
        _file = file;
        Variables = variables;
    }

    /// <summary>The file's path, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The variables (the root group's objects, without MATLAB's <c>#refs#</c> and <c>#subsystem#</c>).</summary>
    public IReadOnlyList<string> Variables { get; }

    /// <summary>Opens <paramref name="path"/> as a MATLAB v7.3 file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="DataFormatException">It is a level-5 MAT-file, or not a readable HDF5 file.</exception>
    public static MatV73File Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        NativeFile? file = null;
        try
        {
            CheckHeader(stream, path);
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            file = H5File.Open(view);
            var variables = file.Children().Select(c => c.Name).Where(n => !n.StartsWith('#')).ToList();
            return new MatV73File(path, map, view, file, variables);
        }
        catch (Exception e) when (e is not (DataFormatException or OutOfMemoryException or UnauthorizedAccessException))
        {
            // The library reports a damaged or cut-short file with plain exceptions: still a format error.
            Close(file, view, map, stream);
            throw new DataFormatException(path, null, null, $"not a readable MATLAB v7.3 (HDF5) file: {e.Message}", e);
        }
        catch
        {
            Close(file, view, map, stream);
            throw;
        }
    }

    /// <summary>
    /// The real numeric variable <paramref name="name"/> with MATLAB's dimensions and its values in MATLAB's
    /// column-major order, converted to double (so <c>array[row, column]</c> is MATLAB's <c>A(row+1, column+1)</c>).
    /// </summary>
    /// <exception cref="DataFormatException">There is no such variable, or it is not a real numeric array.</exception>
    public MatArray ReadNumeric(string name) => Locked(name, () =>
    {
        var dataset = Variable(name);
        var matlabClass = ClassOf(dataset);
        if (matlabClass is not null && !ClassIds.ContainsKey(matlabClass))
        {
            throw Error(name, $"variable '{name}' is a MATLAB {matlabClass}, not a numeric array");
        }

        if (IsEmpty(dataset))
        {
            var stored = Guard(name, () => dataset.Read<ulong[]>());
            return new MatArray(name, ClassIds.GetValueOrDefault(matlabClass ?? "double", 6), [.. stored.Select(d => (int)Math.Min(d, int.MaxValue))], []);
        }

        var dims = MatlabDimensions(dataset, name);
        var type = dataset.Type;
        var data = Guard<double[]>(name, () => (type.Class, type.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 8) => dataset.Read<double[]>(),
            (H5DataTypeClass.FloatingPoint, 4) => [.. dataset.Read<float[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 1) when type.FixedPoint.IsSigned => [.. dataset.Read<sbyte[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 1) => [.. dataset.Read<byte[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 2) when type.FixedPoint.IsSigned => [.. dataset.Read<short[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 2) => [.. dataset.Read<ushort[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 4) when type.FixedPoint.IsSigned => [.. dataset.Read<int[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 4) => [.. dataset.Read<uint[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 8) when type.FixedPoint.IsSigned => [.. dataset.Read<long[]>().Select(v => (double)v)],
            (H5DataTypeClass.FixedPoint, 8) => [.. dataset.Read<ulong[]>().Select(v => (double)v)],
            (H5DataTypeClass.Compound, _) => throw Error(name, $"variable '{name}' is complex; only real arrays are read"),
            _ => throw Error(name, $"variable '{name}' stores {type.Class} values of {type.Size} bytes, not numbers"),
        });
        var count = dims.Aggregate(1L, (a, b) => a * b);
        if (data.LongLength != count)
        {
            throw Error(name, $"variable '{name}' declares {string.Join('×', dims)} = {count} values but holds {data.LongLength}");
        }

        return new MatArray(name, ClassIds.GetValueOrDefault(matlabClass ?? NumericClassOf(type), 6), dims, data);
    });

    /// <summary>The cell array <paramref name="name"/>, whose cells are uint8 images (H×W grey or H×W×3 colour).</summary>
    /// <exception cref="DataFormatException">There is no such variable, or it is not a cell array.</exception>
    public MatImageCell ReadImageCell(string name) => Locked(name, () =>
    {
        var dataset = Variable(name);
        var matlabClass = ClassOf(dataset);
        if (matlabClass is not null && matlabClass != "cell")
        {
            throw Error(name, $"variable '{name}' is a MATLAB {matlabClass}, not a cell array");
        }

        if (dataset.Type.Class != H5DataTypeClass.Reference)
        {
            throw Error(name, $"variable '{name}' stores {dataset.Type.Class} values, not the object references of a cell array");
        }

        var dims = MatlabDimensions(dataset, name);
        var references = Guard(name, () => dataset.Read<NativeObjectReference1[]>());
        return new MatImageCell(this, name, dims, references);
    });

    /// <summary>Closes the file.</summary>
    public void Dispose() => Close(_file, _view, _map, null);

    internal DataFormatException Error(string value, string reason) => new(Path, null, value, reason);

    /// <summary>
    /// Reads the uint8 image at <paramref name="objectPath"/> (a cell's array, as <see cref="MatImageCell.ObjectPath"/>
    /// gives it): finding an array by its path is much faster than following a cell's reference, which searches its group.
    /// </summary>
    /// <param name="objectPath">The array's HDF5 path (<c>/#refs#/b</c>).</param>
    /// <param name="name">The image's name in messages (<c>IsTr{12}</c>); the path when null.</param>
    /// <exception cref="DataFormatException">There is no such array, or it is not a uint8 image.</exception>
    public MatImage ReadImageAt(string objectPath, string? name = null)
    {
        var item = name ?? objectPath;
        return Locked(item, () =>
        {
            var found = Guard(item, () => _file.Get(objectPath), prefix: $"no array at {objectPath}");
            return ReadImage(found as IH5Dataset ?? throw Error(item, $"{objectPath} is a group, not an array"), item);
        });
    }

    /// <summary>
    /// The dataset a cell's reference points to, and its path when it is directly in <c>#refs#</c> (as MATLAB
    /// writes them); under the caller's lock.
    /// </summary>
    internal (IH5Dataset Dataset, string? Path) Dereference(NativeObjectReference1 reference, string cell)
    {
        // A cell's objects are in #refs#; looking there first avoids searching the whole file.
        if (_file.LinkExists(RefsGroup) && _file.Get(RefsGroup) is NativeGroup refs && Guard(cell, () => refs.Get(reference), fail: false) is { } inRefs)
        {
            return (inRefs as IH5Dataset ?? throw Error(cell, "the cell's reference leads to a group, not an array"), $"/{RefsGroup}/{inRefs.Name}");
        }

        var found = Guard(cell, () => _file.Get(reference), prefix: "the cell's reference leads nowhere");
        return (found as IH5Dataset ?? throw Error(cell, "the cell's reference leads to a group, not an array"), null);
    }

    /// <summary>Width, height and channels of a uint8 image array (MATLAB's H×W or H×W×3); under the caller's lock.</summary>
    internal (int Width, int Height, int Channels) ImageShape(IH5Dataset dataset, string name)
    {
        if (IsEmpty(dataset))
        {
            throw Error(name, "the cell is empty, not an image");
        }

        var matlabClass = ClassOf(dataset);
        if (matlabClass is not null && matlabClass != "uint8")
        {
            throw Error(name, $"the cell holds a MATLAB {matlabClass} array, not a uint8 image");
        }

        if (dataset.Type.Class != H5DataTypeClass.FixedPoint || dataset.Type.Size != 1)
        {
            throw Error(name, $"the cell stores {dataset.Type.Class} values of {dataset.Type.Size} bytes, not uint8");
        }

        var dims = MatlabDimensions(dataset, name);
        return dims switch
        {
            [var h, var w] when h > 0 && w > 0 => (w, h, 1),
            [var h, var w, var c] when h > 0 && w > 0 && c is 1 or 3 => (w, h, c),
            _ => throw Error(name, $"the cell holds a {string.Join('×', dims)} array; an image is H×W (grey) or H×W×3 (colour)"),
        };
    }

    /// <summary>A uint8 image array turned row-major; under the caller's lock.</summary>
    internal MatImage ReadImage(IH5Dataset dataset, string name)
    {
        var (width, height, channels) = ImageShape(dataset, name);
        var stored = Guard(name, () => dataset.Read<byte[]>());
        if (stored.LongLength != (long)width * height * channels)
        {
            throw Error(name, $"the image holds {stored.LongLength} bytes, not {width}×{height}×{channels}");
        }

        // Stored as channel × column × row (MATLAB's H×W×C reversed): value (c, x, y) is at (c·W + x)·H + y.
        var pixels = new byte[stored.Length];
        for (var c = 0; c < channels; c++)
        {
            for (var x = 0; x < width; x++)
            {
                var from = ((c * width) + x) * height;
                for (var y = 0; y < height; y++)
                {
                    pixels[(((y * width) + x) * channels) + c] = stored[from + y];
                }
            }
        }

        return new MatImage(width, height, channels, pixels);
    }

    /// <summary>Runs <paramref name="read"/> under the file's lock, any failure of the library a format error naming <paramref name="value"/>.</summary>
    internal T Locked<T>(string value, Func<T> read)
    {
        lock (_gate)
        {
            return Guard(value, read);
        }
    }

    internal static string? ClassOf(IH5Object o)
    {
        if (!o.AttributeExists(ClassAttribute))
        {
            return null;
        }

        var attribute = o.Attribute(ClassAttribute);
        return attribute.Type.Class == H5DataTypeClass.String ? attribute.Read<string>().TrimEnd('\0', ' ') : null;
    }

    internal static bool IsEmpty(IH5Object o)
    {
        if (!o.AttributeExists(EmptyAttribute))
        {
            return false;
        }

        var attribute = o.Attribute(EmptyAttribute);
        return attribute.Type.Class != H5DataTypeClass.FixedPoint || attribute.Type.Size switch
        {
            1 => attribute.Read<byte>() != 0,
            2 => attribute.Read<ushort>() != 0,
            4 => attribute.Read<uint>() != 0,
            _ => attribute.Read<ulong>() != 0,
        };
    }

    /// <summary>MATLAB's dimensions: the dataset's reversed, at least two.</summary>
    internal int[] MatlabDimensions(IH5Dataset dataset, string name)
    {
        var stored = dataset.Space.Dimensions;
        if (stored.Any(d => d > int.MaxValue))
        {
            throw Error(name, $"variable '{name}' has a dimension of more than {int.MaxValue}");
        }

        var dims = stored.Reverse().Select(d => (int)d).ToList();
        while (dims.Count < 2)
        {
            dims.Add(1);
        }

        return [.. dims];
    }

    internal T Guard<T>(string value, Func<T> read, string prefix = "cannot read it", bool fail = true)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not (DataFormatException or OutOfMemoryException or ObjectDisposedException))
        {
            if (!fail)
            {
                return default!;
            }

            throw new DataFormatException(Path, null, value, $"{prefix}: {e.Message}", e);
        }
    }

    private IH5Dataset Variable(string name)
    {
        if (name.StartsWith('#') || !Variables.Contains(name, StringComparer.Ordinal))
        {
            throw Error(name, $"no variable '{name}' (the variables are {(Variables.Count == 0 ? "none" : string.Join(", ", Variables))})");
        }

        return Guard(name, () => _file.Get(name)) as IH5Dataset
            ?? throw Error(name, $"variable '{name}' is a group (a MATLAB struct or object), not an array");
    }

    private static string NumericClassOf(IH5DataType type) => (type.Class, type.Size) switch
    {
        (H5DataTypeClass.FloatingPoint, 4) => "single",
        (H5DataTypeClass.FixedPoint, var size) => (type.FixedPoint.IsSigned ? "int" : "uint") + (8 * size).ToString(CultureInfo.InvariantCulture),
        _ => "double",
    };

    private static void CheckHeader(FileStream stream, string path)
    {
        var header = new byte[128];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        var text = Encoding.ASCII.GetString(header, 0, Math.Min(read, 116));
        if (text.StartsWith(MatFile.Signature, StringComparison.Ordinal))
        {
            throw new DataFormatException(path, null, MatFile.Signature,
                "a level-5 MAT-file (saved with -v7 or earlier), not MATLAB v7.3 (HDF5); read it with MatFile");
        }

        if (!text.StartsWith(MatFile.Signature73, StringComparison.Ordinal) && !header.AsSpan(0, read).StartsWith(Hdf5Signature))
        {
            var shown = new string([.. text.Take(24).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
            throw new DataFormatException(path, null, shown, $"neither a MATLAB v7.3 file (header '{MatFile.Signature73}') nor HDF5");
        }

        if (text.StartsWith(MatFile.Signature73, StringComparison.Ordinal) && stream.Length <= 512)
        {
            throw new DataFormatException(path, null, $"{stream.Length} bytes", "too short for a MATLAB v7.3 file (a 512-byte header, then HDF5)");
        }
    }

    private static void Close(NativeFile? file, MemoryMappedViewAccessor? view, MemoryMappedFile? map, FileStream? stream)
    {
        file?.Dispose();
        view?.Dispose();
        map?.Dispose();
        stream?.Dispose();
    }
}

/// <summary>
/// A MATLAB cell array of uint8 images in a <see cref="MatV73File"/>: its cells in MATLAB's column-major order,
/// each read on demand. It reads through its file (and shares its lock), so it lives as long as the file.
/// </summary>
public sealed class MatImageCell
{
    private readonly MatV73File _file;
    private readonly NativeObjectReference1[] _references;
    private readonly (IH5Dataset Dataset, string? Path)?[] _resolved;

    internal MatImageCell(MatV73File file, string name, int[] dimensions, NativeObjectReference1[] references)
    {
        _file = file;
        Name = name;
        Dimensions = dimensions;
        _references = references;
        _resolved = new (IH5Dataset, string?)?[references.Length];
    }

    /// <summary>The variable's name.</summary>
    public string Name { get; }

    /// <summary>MATLAB's dimensions of the cell array (N×1 or 1×N for a list).</summary>
    public int[] Dimensions { get; }

    /// <summary>Number of cells.</summary>
    public int Count => _references.Length;

    /// <summary>The name of cell <paramref name="index"/> (0-based) in messages, as MATLAB indexes it: <c>IsTr{12}</c>.</summary>
    public string CellName(int index) => $"{Name}{{{index + 1}}}";

    /// <summary>Width, height and channels of cell <paramref name="index"/>'s image, without reading its pixels.</summary>
    /// <exception cref="DataFormatException">The cell is not a uint8 image.</exception>
    public (int Width, int Height, int Channels) ImageSize(int index) => _file.Locked(CellName(index), () => _file.ImageShape(Resolve(index).Dataset, CellName(index)));

    /// <summary>The image in cell <paramref name="index"/> (0-based), turned row-major.</summary>
    /// <exception cref="DataFormatException">The cell is not a uint8 image, or its data cannot be read.</exception>
    public MatImage ReadImage(int index) => _file.Locked(CellName(index), () => _file.ReadImage(Resolve(index).Dataset, CellName(index)));

    /// <summary>
    /// The HDF5 path of cell <paramref name="index"/>'s array (<c>/#refs#/b</c>) for <see cref="MatV73File.ReadImageAt"/>,
    /// or null when the reference leads outside <c>#refs#</c>.
    /// </summary>
    /// <exception cref="DataFormatException">The cell's reference leads nowhere.</exception>
    public string? ObjectPath(int index) => _file.Locked(CellName(index), () => Resolve(index).Path);

    private (IH5Dataset Dataset, string? Path) Resolve(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _resolved[index] ??= _file.Dereference(_references[index], CellName(index));
    }
}
