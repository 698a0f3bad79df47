// Compiled by MSBuild's RoslynCodeTaskFactory (see LibTorchSharpGlibcxx.targets).
// Marks one symbol-version requirement of an ELF64 little-endian shared library as weak, so
// the dynamic loader accepts the library on a system whose libraries lack that version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class FaceRepWeakenElfVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    };

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        string systemLib = FindSystemLibStdCxx();
        if (systemLib == null)
        {
            Log.LogMessage(MessageImportance.Normal, "FaceRep: no system libstdc++.so.6 found; libLibTorchSharp.so left as is.");
            return true;
        }

        if (ContainsZeroTerminated(File.ReadAllBytes(systemLib), VersionName))
        {
            Log.LogMessage(MessageImportance.Low, "FaceRep: {0} provides {1}; nothing to patch.", systemLib, VersionName);
            return true;
        }

        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                Patch(path);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("FaceRep: cannot mark {0} weak in {1}: {2}", VersionName, path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }

    private void Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        bool found = false;

        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
                continue;

            int verneedOffset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            int strtabIndex = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int verneedCount = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtabSh = checked((int)shoff + strtabIndex * shentsize);
            int strtabOffset = checked((int)BitConverter.ToUInt64(elf, strtabSh + 0x18));

            int vn = verneedOffset;
            for (int i = 0; i < verneedCount; i++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameOffset = strtabOffset + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (ReadCString(elf, nameOffset) == VersionName)
                    {
                        found = true;
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            ushort weak = (ushort)(flags | VerFlgWeak);
                            elf[aux + 4] = (byte)(weak & 0xff);
                            elf[aux + 5] = (byte)(weak >> 8);
                            changed++;
                        }
                    }

                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }

                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }

        if (!found)
        {
            Log.LogMessage(MessageImportance.Low, "FaceRep: {0} does not require {1}.", path, VersionName);
            return;
        }

        if (changed == 0)
        {
            Log.LogMessage(MessageImportance.Low, "FaceRep: {0} already requires {1} weakly.", path, VersionName);
            return;
        }

        // Write a private copy and swap it in: the output file may be a hard link into the
        // NuGet package cache, which must stay byte-identical to the package.
        string temp = path + ".facerep-tmp";
        File.WriteAllBytes(temp, elf);
        File.Delete(path);
        File.Move(temp, path);
        Log.LogMessage(MessageImportance.High, "FaceRep: marked {0} weak in {1} (system libstdc++ lacks it).", VersionName, path);
    }

    private static string FindSystemLibStdCxx()
    {
        string ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
        {
            foreach (string dir in ldPath.Split(':'))
            {
                if (dir.Length == 0)
                    continue;
                string candidate = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        foreach (string candidate in LibStdCxxCandidates)
        {
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }

    private static bool ContainsZeroTerminated(byte[] haystack, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text + "\0");
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0])
                continue;
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return true;
        }

        return false;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        int end = offset;
        while (end < bytes.Length && bytes[end] != 0)
            end++;
        return Encoding.ASCII.GetString(bytes, offset, end - offset);
    }
}
