using FaceRep.Data.Formats;

namespace FaceRep.Data.Shards;

/// <summary>What an import wrote and what it left out.</summary>
/// <param name="Manifest">The dataset written.</param>
/// <param name="Format">The source's format.</param>
/// <param name="Skipped">Corrupt or undecodable images left out.</param>
public sealed record ImportResult(DatasetManifest Manifest, DatasetFormat Format, int Skipped);

/// <summary>
/// Turns image collections users have (VGGFace2-style folders, HDF5 files of encoded images) into
/// FaceRep shards once, so every later job reads decoded, resized, checksummed samples instead of
/// decoding JPEGs again. Corrupt images are skipped, counted and named, never fatal.
/// </summary>
public static class FormatImport
{
    /// <summary>Imports <paramref name="path"/> into <paramref name="directory"/> at <paramref name="resolution"/>.</summary>
    /// <exception cref="DataFormatException">The path is not an image collection this can import.</exception>
    public static ImportResult Import(string path, string directory, int resolution, Action<string>? onSkip = null, int shardSize = 1024)
    {
        var format = FormatDetector.Detect(path);
        DecodedImageStream stream;
        Hdf5ImageFile? hdf5 = null;
        switch (format)
        {
            case DatasetFormat.ImageFolders:
                stream = ImageFolderReader.Read(path).DecodeAll(resolution, onSkip);
                break;
            case DatasetFormat.Hdf5Images:
                hdf5 = Hdf5ImageFile.Open(path);
                stream = hdf5.DecodeAll(resolution, onSkip);
                break;
            default:
                throw new DataFormatException(path, null, format.ToString(),
                    format == DatasetFormat.Unknown
                        ? "not a recognised image collection; import image folders (one per identity) or an HDF5 file whose 'images' dataset holds encoded images"
                        : $"{format} holds annotations, not images; import the images they describe");
        }

        using (hdf5)
        {
            var samples = stream.Select(image => new ShardSample
            {
                Resolution = resolution,
                Pixels = ShardStore.ToBytes(image.Image.Pixels),
                Landmarks = [],
                Identity = image.Label,
                Source = image.Item,
            });
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            var manifest = ShardStore.Write(samples, directory, name, Path.GetFullPath(path), resolution, shardSize);
            return new ImportResult(manifest, format, stream.Skipped);
        }
    }
}
