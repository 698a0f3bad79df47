using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FaceRep.Data.Formats;

/// <summary>
/// A minimal writer of MATLAB level-5 MAT-files: numeric matrices (optionally compressed) and character
/// arrays, for SynthFace's exports in the benchmarks' layouts and for tests of the reader.
/// </summary>
public static class MatV5Writer
{
    public const int MiUInt8 = 2;
    public const int MiUInt16 = 4;
    public const int MiInt32 = 5;
    public const int MiUInt32 = 6;
    public const int MiDouble = 9;
    public const int MiMatrix = 14;
    public const int MiCompressed = 15;
    public const int DoubleClass = 6;
    public const int CharClass = 4;

    /// <summary>One variable: values in column-major order, stored with <paramref name="Storage"/>.</summary>
    public sealed record Variable(string Name, int Rows, int Columns, double[] Values, bool Compress = false, int Storage = MiDouble, int ClassId = DoubleClass);

    public static Variable Matrix(string name, double[,] rowMajor, bool compress = false, int storage = MiDouble)
    {
        var rows = rowMajor.GetLength(0);
        var columns = rowMajor.GetLength(1);
        var values = new double[rows * columns];
        for (var c = 0; c < columns; c++)
        {
            for (var r = 0; r < rows; r++)
            {
                values[r + (c * rows)] = rowMajor[r, c];
            }
        }

        return new Variable(name, rows, columns, values, compress, storage);
    }

    public static Variable Text(string name, string text) =>
        new(name, 1, text.Length, [.. text.Select(c => (double)c)], Storage: MiUInt16, ClassId: CharClass);

    public static byte[] Write(IEnumerable<Variable> variables, bool bigEndian = false, string header = "MATLAB 5.0 MAT-file, Platform: test")
    {
        var w = new Writer(bigEndian);
        var head = new byte[128];
        head.AsSpan(0, 116).Fill((byte)' ');
        Encoding.ASCII.GetBytes(header).CopyTo(head, 0);
        head[124] = bigEndian ? (byte)0x01 : (byte)0x00;
        head[125] = bigEndian ? (byte)0x00 : (byte)0x01;
        head[126] = bigEndian ? (byte)'M' : (byte)'I';
        head[127] = bigEndian ? (byte)'I' : (byte)'M';
        w.Bytes(head);
        foreach (var v in variables)
        {
            var matrix = MatrixElement(v, bigEndian);
            if (v.Compress)
            {
                using var packed = new MemoryStream();
                using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
                {
                    z.Write(matrix);
                }

                w.UInt32(MiCompressed);
                w.UInt32((uint)packed.Length);
                w.Bytes(packed.ToArray());
            }
            else
            {
                w.Bytes(matrix);
            }
        }

        return w.ToArray();
    }

    private static byte[] MatrixElement(Variable v, bool bigEndian)
    {
        var body = new Writer(bigEndian);
        body.Element(MiUInt32, new Writer(bigEndian).UInt32((uint)v.ClassId).UInt32(0).ToArray());
        body.Element(MiInt32, new Writer(bigEndian).UInt32((uint)v.Rows).UInt32((uint)v.Columns).ToArray());
        body.Element(1, Encoding.ASCII.GetBytes(v.Name));
        var data = new Writer(bigEndian);
        foreach (var x in v.Values)
        {
            switch (v.Storage)
            {
                case MiUInt8:
                    data.Bytes([(byte)x]);
                    break;
                case MiUInt16:
                    data.UInt16((ushort)x);
                    break;
                default:
                    data.Double(x);
                    break;
            }
        }

        body.Element(v.Storage, data.ToArray());
        var bodyBytes = body.ToArray();
        return new Writer(bigEndian).UInt32(MiMatrix).UInt32((uint)bodyBytes.Length).Bytes(bodyBytes).ToArray();
    }

    private sealed class Writer(bool bigEndian)
    {
        private readonly MemoryStream _stream = new();

        public Writer Bytes(byte[] bytes)
        {
            _stream.Write(bytes);
            return this;
        }

        public Writer UInt16(ushort v)
        {
            var b = new byte[2];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b, v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(b, v);
            }

            return Bytes(b);
        }

        public Writer UInt32(uint v)
        {
            var b = new byte[4];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(b, v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            }

            return Bytes(b);
        }

        public Writer Double(double v)
        {
            var b = new byte[8];
            if (bigEndian)
            {
                BinaryPrimitives.WriteDoubleBigEndian(b, v);
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(b, v);
            }

            return Bytes(b);
        }

        /// <summary>A data element, in the small format when it fits in four bytes, padded to eight bytes.</summary>
        public Writer Element(int type, byte[] data)
        {
            if (data.Length is > 0 and <= 4)
            {
                UInt32(((uint)data.Length << 16) | (uint)type);
                Bytes(data);
                return Bytes(new byte[4 - data.Length]);
            }

            UInt32((uint)type);
            UInt32((uint)data.Length);
            Bytes(data);
            var pad = (8 - (data.Length % 8)) % 8;
            return Bytes(new byte[pad]);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
