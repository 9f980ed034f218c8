using System.Buffers;
using System.Globalization;

namespace StreamHub.Recording;

/// <summary>Reads a recording file's top-level boxes (one small read per box, the media itself is skipped) into a
/// <see cref="RecordingInfo"/>. A box larger than its limit, or cut short, ends the reading there.</summary>
public static class RecordingReader
{
    /// <summary>Larger than any <c>moov</c> or <c>moof</c> this server writes (a moof lists a fragment's samples, 16 bytes each).</summary>
    private const int MaxMetadataBox = 8 * 1024 * 1024;

    public static RecordingInfo Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        var id = Path.GetFileName(path);
        List<Mp4TrackInfo> tracks = [];
        var fragments = new List<RecordingFragment>();
        long initLength = 0;
        long offset = 0;
        long moofOffset = -1;
        List<Mp4TrackRun>? runs = null;
        Mp4TrackInfo? primary = null;
        ulong firstDecodeTime = 0;
        Span<byte> header = stackalloc byte[16];
        while (offset + 8 <= length)
        {
            var read = RandomAccess.Read(handle, header, offset);
            if (!Mp4Boxes.TryReadHeader(header[..read], out var type, out var size, out _) || offset + size > length)
            {
                break;
            }
            if (type is Mp4Boxes.Moov or Mp4Boxes.Moof)
            {
                if (size > MaxMetadataBox)
                {
                    break;
                }
                var box = ArrayPool<byte>.Shared.Rent((int)size);
                try
                {
                    var span = box.AsSpan(0, (int)size);
                    if (RandomAccess.Read(handle, span, offset) < size)
                    {
                        break;
                    }
                    if (type == Mp4Boxes.Moov)
                    {
                        tracks = Mp4Boxes.ReadMovie(span);
                        primary = tracks.FirstOrDefault(t => t.IsVideo) ?? tracks.FirstOrDefault();
                        initLength = offset + size;
                    }
                    else
                    {
                        runs = Mp4Boxes.ReadFragment(span);
                        moofOffset = offset;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(box);
                }
            }
            else if (type == Mp4Boxes.Mdat && runs is not null && primary is not null)
            {
                var run = runs.FirstOrDefault(r => r.TrackId == primary.TrackId);
                if (run.Samples > 0)
                {
                    if (fragments.Count == 0)
                    {
                        firstDecodeTime = run.DecodeTime;
                    }
                    var start = (double)(run.DecodeTime - Math.Min(run.DecodeTime, firstDecodeTime)) / primary.Timescale;
                    fragments.Add(new RecordingFragment(moofOffset, offset + size - moofOffset, start, (double)run.Duration / primary.Timescale,
                        !primary.IsVideo || run.StartsWithSync));
                }
                runs = null;
            }
            offset += size;
        }
        return new RecordingInfo(id, StartOf(id), length, initLength, tracks.Select(t => CodecName(t.SampleEntry)).ToArray(), fragments);
    }

    /// <summary>The UTC start in the file name (<c>{name}-yyyyMMdd-HHmmss[-n].mp4</c>).</summary>
    public static DateTimeOffset StartOf(string id)
    {
        var stem = Path.GetFileNameWithoutExtension(id);
        var parts = stem.Split('-');
        for (var i = parts.Length - 2; i >= 0; i--)
        {
            if (DateTime.TryParseExact(parts[i] + "-" + parts[i + 1], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start))
            {
                return new DateTimeOffset(start, TimeSpan.Zero);
            }
        }
        return DateTimeOffset.MinValue;
    }

    /// <summary>ffprobe's names for the sample entries this server writes.</summary>
    public static string CodecName(string sampleEntry) => sampleEntry switch
    {
        "avc1" or "avc3" => "h264",
        "hvc1" or "hev1" => "hevc",
        "av01" => "av1",
        "mp4a" => "aac",
        _ => sampleEntry,
    };
}
