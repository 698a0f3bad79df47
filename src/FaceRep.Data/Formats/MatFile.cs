using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FaceRep.Data.Formats;

/// <summary>A real numeric MATLAB array converted to double.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="ClassId">The MATLAB class (6 double, 7 single, 8–15 integer classes).</param>
/// <param name="Dimensions">The dimensions, as MATLAB reports them (at least two).</param>
/// <param name="Data">The values in MATLAB's column-major order.</param>
public sealed record MatArray(string Name, int ClassId, int[] Dimensions, double[] Data)
{
    /// <summary>First dimension.</summary>
    public int Rows => Dimensions[0];

    /// <summary>Product of the dimensions after the first.</summary>
    public int Columns => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);

    /// <summary>The element at (<paramref name="row"/>, <paramref name="column"/>), both 0-based.</summary>
    public double this[int row, int column] => Data[row + (column * Rows)];

    /// <summary>Dimensions as MATLAB prints them, e.g. <c>3×68</c>.</summary>
    public string Shape => string.Join('×', Dimensions);
}

/// <summary>
/// A reader for MATLAB level-5 MAT-files (the <c>-v6</c>/<c>-v7</c> format: a 128-byte header starting
/// "MATLAB 5.0 MAT-file", then tagged data elements, each variable an miMATRIX, optionally wrapped in an
/// miCOMPRESSED zlib stream). It returns the real numeric arrays (double, single and integer classes, any
/// storage type, converted to double) and, with <see cref="ReadAll"/>, cell arrays of strings; it skips other classes
/// (char, other cells, struct, sparse, objects) and complex arrays. Both byte orders are read. Version 7.3 files are HDF5 and are rejected with a message.
/// </summary>
public static class MatFile
{
    internal const string Signature = "MATLAB 5.0 MAT-file";
    internal const string Signature73 = "MATLAB 7.3 MAT-file";
    private const int HeaderLength = 128;

    private const int MiInt8 = 1;
    private const int MiUInt8 = 2;
    private const int MiInt16 = 3;
    private const int MiUInt16 = 4;
    private const int MiInt32 = 5;
    private const int MiUInt32 = 6;
    private const int MiSingle = 7;
    private const int MiDouble = 9;
    private const int MiInt64 = 12;
    private const int MiUInt64 = 13;
    private const int MiMatrix = 14;
    private const int MiCompressed = 15;
    private const int MiUtf8 = 16;
    private const int MiUtf16 = 17;
    private const int MxCell = 1;
    private const int MxChar = 4;

    /// <summary>Reads every real numeric variable of <paramref name="path"/>, by name.</summary>
    public static IReadOnlyDictionary<string, MatArray> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a level-5 MAT-file; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, MatArray> Parse(byte[] bytes, string source) => ParseAll(bytes, source).Numbers;

    /// <summary>
    /// The <paramref name="count"/> (x, y) points of variable <paramref name="name"/> of <paramref name="path"/>, stored
    /// count×2 or 2×count (300W-LP's <c>pts_3d</c>, DISFA's <c>pts</c>), interleaved x, y.
    /// </summary>
    /// <exception cref="DataFormatException">The variable is missing, of another shape, or holds a value that is not finite.</exception>
    public static float[] ReadPoints(string path, string name, int count)
    {
        var variables = Read(path);
        if (!variables.TryGetValue(name, out var pts))
            throw new DataFormatException(path, null, name, $"no numeric variable '{name}' (numeric variables: {string.Join(", ", variables.Keys.Order(StringComparer.Ordinal))})");
        var rowsArePoints = pts.Rows == count && pts.Columns == 2;
        if (!rowsArePoints && !(pts.Rows == 2 && pts.Columns == count))
            throw new DataFormatException(path, null, pts.Shape, $"{name} must be {count}×2");
        var xy = new float[2 * count];
        for (var p = 0; p < count; p++)
        {
            for (var k = 0; k < 2; k++)
            {
                var v = rowsArePoints ? pts[p, k] : pts[k, p];
                if (!double.IsFinite(v))
                    throw new DataFormatException(path, null, v.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{name} point {p + 1} is not finite");
                xy[(2 * p) + k] = (float)v;
            }
        }

        return xy;
    }

    /// <summary>
    /// Reads every real numeric variable of <paramref name="path"/>, and every cell array whose cells are all character
    /// arrays (AFLW's <c>nameList</c>) as its strings in MATLAB's column-major order.
    /// </summary>
    public static (IReadOnlyDictionary<string, MatArray> Numbers, IReadOnlyDictionary<string, IReadOnlyList<string>> Strings) ReadAll(string path) =>
        ParseAll(File.ReadAllBytes(path), path);

    private static (IReadOnlyDictionary<string, MatArray> Numbers, IReadOnlyDictionary<string, IReadOnlyList<string>> Strings) ParseAll(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var bigEndian = ReadHeader(bytes, source);
        var reader = new ElementReader(source, bigEndian);
        var result = new Dictionary<string, MatArray>(StringComparer.Ordinal);
        var strings = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        ReadVariables(reader, bytes, -1, HeaderLength, result, strings);
        return (result, strings);
    }

    private static bool ReadHeader(byte[] bytes, string source)
    {
        if (bytes.Length < HeaderLength)
        {
            throw new DataFormatException(source, null, $"{bytes.Length} bytes", "too short for a MAT-file header (128 bytes)");
        }

        var text = Encoding.ASCII.GetString(bytes, 0, 116);
        if (text.StartsWith(Signature73, StringComparison.Ordinal))
        {
            throw new DataFormatException(source, null, Signature73, "MATLAB v7.3 files are HDF5; re-save with save(..., '-v7') to read them here");
        }

        if (!text.StartsWith(Signature, StringComparison.Ordinal))
        {
            throw new DataFormatException(source, null, Printable(text[..Math.Min(24, text.Length)]), $"header does not start with '{Signature}'");
        }

        return (bytes[126], bytes[127]) switch
        {
            ((byte)'I', (byte)'M') => false,
            ((byte)'M', (byte)'I') => true,
            _ => throw new DataFormatException(source, null, Printable(Encoding.ASCII.GetString(bytes, 126, 2)), "endian indicator must be 'IM' or 'MI'"),
        };
    }

    private static void ReadVariables(ElementReader reader, byte[] buffer, int compressedAt, int start, Dictionary<string, MatArray> result, Dictionary<string, IReadOnlyList<string>> strings)
    {
        var pos = start;
        while (pos < buffer.Length)
        {
            if (compressedAt < 0 && buffer.Length - pos < 8 && buffer.AsSpan(pos).IndexOfAnyExcept((byte)0) < 0)
            {
                break;
            }

            var element = reader.Next(buffer, ref pos, compressedAt, padCompressed: false);
            switch (element.Type)
            {
                case MiCompressed:
                    var inflated = Inflate(buffer, element, reader);
                    ReadVariables(reader, inflated, element.Offset - 8, 0, result, strings);
                    break;
                case MiMatrix:
                    if (ReadMatrix(reader, buffer, element, compressedAt, out var cell) is { } array)
                    {
                        result[array.Name] = array;
                    }
                    else if (cell is { } texts)
                    {
                        strings[texts.Name] = texts.Values;
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static byte[] Inflate(byte[] buffer, Element element, ElementReader reader)
    {
        try
        {
            using var input = new MemoryStream(buffer, element.Offset, element.Length, writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(reader.Source, null, null, $"the miCOMPRESSED element at byte {element.Offset - 8} does not inflate: {e.Message}", e);
        }
    }

    private static MatArray? ReadMatrix(ElementReader reader, byte[] buffer, Element matrix, int compressedAt, out (string Name, IReadOnlyList<string> Values)? strings)
    {
        strings = null;
        if (matrix.Length == 0)
        {
            return null;
        }

        var pos = matrix.Offset;
        var end = matrix.Offset + matrix.Length;
        var flagsElement = reader.Next(buffer, ref pos, compressedAt, padCompressed: true, end);
        if (flagsElement.Type != MiUInt32 || flagsElement.Length < 8)
        {
            throw reader.Error(compressedAt, flagsElement.Offset, $"type {flagsElement.Type}", "miMATRIX must start with an miUINT32 array-flags element of 8 bytes");
        }

        var flags = reader.UInt32(buffer, flagsElement.Offset);
        var classId = (int)(flags & 0xFF);
        var complex = (flags & 0x0800) != 0;

        var dimsElement = reader.Next(buffer, ref pos, compressedAt, padCompressed: true, end);
        if (dimsElement.Type != MiInt32 || dimsElement.Length < 8 || dimsElement.Length % 4 != 0)
        {
            throw reader.Error(compressedAt, dimsElement.Offset, $"type {dimsElement.Type}, {dimsElement.Length} bytes", "miMATRIX dimensions must be an miINT32 array of at least two values");
        }

        var dims = new int[dimsElement.Length / 4];
        long count = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = reader.Int32(buffer, dimsElement.Offset + (4 * i));
            if (dims[i] < 0)
            {
                throw reader.Error(compressedAt, dimsElement.Offset, dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "negative dimension");
            }

            count *= dims[i];
        }

        var nameElement = reader.Next(buffer, ref pos, compressedAt, padCompressed: true, end);
        if (nameElement.Type is not (MiInt8 or MiUInt8))
        {
            throw reader.Error(compressedAt, nameElement.Offset, $"type {nameElement.Type}", "miMATRIX array name must be miINT8");
        }

        var name = Encoding.ASCII.GetString(buffer, nameElement.Offset, nameElement.Length).TrimEnd('\0');

        if (classId == MxCell)
        {
            strings = ReadStrings(reader, buffer, pos, end, compressedAt, count) is { } values ? (name, values) : null;
            return null;
        }

        if (classId is < 6 or > 15 || complex)
        {
            return null;
        }

        var real = reader.Next(buffer, ref pos, compressedAt, padCompressed: true, end);
        var data = reader.Numbers(buffer, real, compressedAt, name);
        if (data.LongLength != count)
        {
            throw reader.Error(compressedAt, real.Offset, $"{data.Length} values", $"variable '{name}' declares {string.Join('×', dims)} = {count} values");
        }

        return new MatArray(name, classId, dims, data);
    }

    /// <summary>The cells of a cell array when every one is a character array (a string each); null otherwise.</summary>
    private static List<string>? ReadStrings(ElementReader reader, byte[] buffer, int pos, int end, int compressedAt, long count)
    {
        var values = new List<string>();
        while (pos < end && values.Count < count)
        {
            var cell = reader.Next(buffer, ref pos, compressedAt, padCompressed: true, end);
            if (cell.Type != MiMatrix || cell.Length == 0)
            {
                return null;
            }

            var inner = cell.Offset;
            var cellEnd = cell.Offset + cell.Length;
            var flags = reader.Next(buffer, ref inner, compressedAt, padCompressed: true, cellEnd);
            if (flags.Type != MiUInt32 || (reader.UInt32(buffer, flags.Offset) & 0xFF) != MxChar)
            {
                return null;
            }

            reader.Next(buffer, ref inner, compressedAt, padCompressed: true, cellEnd); // dimensions: a row of characters
            reader.Next(buffer, ref inner, compressedAt, padCompressed: true, cellEnd); // name: empty in a cell
            var data = reader.Next(buffer, ref inner, compressedAt, padCompressed: true, cellEnd);
            values.Add(data.Type switch
            {
                MiUtf8 or MiUInt8 or MiInt8 => Encoding.UTF8.GetString(buffer, data.Offset, data.Length),
                MiUtf16 => reader.BigEndian ? Encoding.BigEndianUnicode.GetString(buffer, data.Offset, data.Length) : Encoding.Unicode.GetString(buffer, data.Offset, data.Length),
                _ => new string([.. reader.Numbers(buffer, data, compressedAt, "a cell's characters").Select(v => (char)v)]),
            });
        }

        return values.Count == count ? values : null;
    }

    private static string Printable(string s) => new([.. s.Select(c => c is >= ' ' and <= '~' ? c : '?')]);

    private readonly record struct Element(int Type, int Offset, int Length);

    private sealed class ElementReader(string source, bool bigEndian)
    {
        public string Source { get; } = source;

        public bool BigEndian => bigEndian;

        public Element Next(byte[] buffer, ref int pos, int compressedAt, bool padCompressed, int end = -1)
        {
            var limit = end < 0 ? buffer.Length : end;
            if (limit - pos < 8)
            {
                throw Error(compressedAt, pos, $"{limit - pos} bytes", "truncated data element tag");
            }

            var first = UInt32(buffer, pos);
            if ((first >> 16) != 0)
            {
                var smallType = (int)(first & 0xFFFF);
                var smallLength = (int)(first >> 16);
                if (smallLength > 4)
                {
                    throw Error(compressedAt, pos, $"{smallLength} bytes", "small data element longer than 4 bytes");
                }

                var small = new Element(smallType, pos + 4, smallLength);
                pos += 8;
                return small;
            }

            var type = (int)first;
            var length = UInt32(buffer, pos + 4);
            if (length > (uint)(limit - pos - 8))
            {
                throw Error(compressedAt, pos, $"{length} bytes", $"data element of type {type} runs past the end of its container ({limit - pos - 8} bytes left)");
            }

            var element = new Element(type, pos + 8, (int)length);
            var advance = 8 + (int)length;
            if (type != MiCompressed || padCompressed)
            {
                advance = (advance + 7) & ~7;
            }

            pos = Math.Min(pos + advance, limit);
            return element;
        }

        public uint UInt32(byte[] b, int at) =>
            bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

        public int Int32(byte[] b, int at) => unchecked((int)UInt32(b, at));

        public double[] Numbers(byte[] b, Element e, int compressedAt, string name)
        {
            var span = b.AsSpan(e.Offset, e.Length);
            var size = e.Type switch
            {
                MiInt8 or MiUInt8 => 1,
                MiInt16 or MiUInt16 => 2,
                MiInt32 or MiUInt32 or MiSingle => 4,
                MiDouble or MiInt64 or MiUInt64 => 8,
                _ => throw Error(compressedAt, e.Offset, $"type {e.Type}", $"variable '{name}' stores its values with a non-numeric type"),
            };
            if (span.Length % size != 0)
            {
                throw Error(compressedAt, e.Offset, $"{span.Length} bytes", $"variable '{name}' data length is not a multiple of {size}");
            }

            var values = new double[span.Length / size];
            for (var i = 0; i < values.Length; i++)
            {
                var s = span.Slice(i * size, size);
                values[i] = e.Type switch
                {
                    MiInt8 => (sbyte)s[0],
                    MiUInt8 => s[0],
                    MiInt16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(s) : BinaryPrimitives.ReadInt16LittleEndian(s),
                    MiUInt16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
                    MiInt32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s),
                    MiUInt32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
                    MiSingle => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
                    MiDouble => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s),
                    MiInt64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s),
                    _ => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s),
                };
            }

            return values;
        }

        public DataFormatException Error(int compressedAt, int offset, string value, string reason)
        {
            var where = compressedAt < 0 ? $"at byte {offset}" : $"at byte {offset} of the inflated miCOMPRESSED element at byte {compressedAt}";
            return new(Source, null, value, $"{where}: {reason}");
        }
    }
}
