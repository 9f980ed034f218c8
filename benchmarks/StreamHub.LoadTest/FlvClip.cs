using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.LoadTest;

/// <summary>One FLV tag turned into an RTMP message, chunked once with timestamp 0. A send copies
/// <see cref="Chunked"/> and patches the 24-bit timestamp of the format 0 header (byte 1..3; continuations are format 3
/// and carry no timestamp below 0xFFFFFF ms, 4.6 hours).</summary>
public sealed record ClipMessage(RtmpMessageType Type, uint Timestamp, bool Keyframe, bool Configuration, byte[] Chunked);

/// <summary>The test clip: generated once with ffmpeg, parsed from FLV (tag: type(1) size(3) ts(3) ts-ext(1)
/// stream(3) data, each followed by PreviousTagSize(4)), and pre-chunked for the publishers.</summary>
public sealed class FlvClip
{
    public const int ChunkSize = 4096;
    public const int MediaChunkStreamAudio = 4;
    public const int MediaChunkStreamVideo = 6;
    public const int DataChunkStream = 5;

    private FlvClip(List<ClipMessage> messages, uint duration, long mediaBytes)
    {
        Messages = messages;
        Duration = duration;
        MediaBytes = mediaBytes;
    }

    /// <summary>In send order: metadata and sequence headers (timestamp 0, first loop only), then media by timestamp.</summary>
    public IReadOnlyList<ClipMessage> Messages { get; }

    /// <summary>Loop length in ms: the next loop's timestamps are offset by this.</summary>
    public uint Duration { get; }

    public long MediaBytes { get; }

    public double BytesPerSecond => MediaBytes * 1000.0 / Duration;

    public static string Generate(string directory, int seconds, string size, int kbps)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"clip-{size}-{kbps}k-{seconds}s.flv");
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            return path;
        }
        var temp = path + ".tmp.flv";
        var arguments = $"-y -hide_banner -loglevel error -f lavfi -i testsrc2=size={size}:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 " +
            $"-t {seconds} -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -b:v {kbps}k -maxrate {kbps}k -bufsize {2 * kbps}k " +
            $"-g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 128k -ar 44100 -ac 2 -f flv \"{temp}\"";
        using var ffmpeg = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed ({ffmpeg.ExitCode}): {errors}");
        }
        File.Move(temp, path, overwrite: true);
        return path;
    }

    public static FlvClip Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 13 || bytes[0] != 'F' || bytes[1] != 'L' || bytes[2] != 'V')
        {
            throw new InvalidDataException($"{path} is not FLV");
        }
        var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)) + 4;
        var messages = new List<ClipMessage>();
        var scratch = new ArrayBufferWriter<byte>();
        uint last = 0;
        uint lastVideo = 0;
        long mediaBytes = 0;
        while (offset + 11 <= bytes.Length)
        {
            var type = bytes[offset];
            var size = (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
            var timestamp = (uint)((bytes[offset + 7] << 24) | (bytes[offset + 4] << 16) | (bytes[offset + 5] << 8) | bytes[offset + 6]);
            if (offset + 11 + size > bytes.Length)
            {
                break;
            }
            var data = bytes.AsSpan(offset + 11, size);
            offset += 11 + size + 4;
            switch (type)
            {
                case 18:
                    // Script data "onMetaData" {...}: published as @setDataFrame, as FFmpeg and OBS do.
                    scratch.ResetWrittenCount();
                    Amf0Writer.WriteString(scratch, "@setDataFrame");
                    scratch.Write(data);
                    messages.Add(Chunk(RtmpMessageType.Amf0Data, DataChunkStream, 0, false, true, scratch.WrittenSpan));
                    break;
                case 9 when size >= 2:
                    var configuration = data[1] == 0;
                    var keyframe = (data[0] >> 4) == 1 && !configuration;
                    messages.Add(Chunk(RtmpMessageType.Video, MediaChunkStreamVideo, timestamp, keyframe, configuration, data));
                    if (!configuration)
                    {
                        mediaBytes += size;
                        lastVideo = Math.Max(lastVideo, timestamp);
                    }
                    break;
                case 8 when size >= 2:
                    var audioConfiguration = (data[0] >> 4) == 10 && data[1] == 0;
                    messages.Add(Chunk(RtmpMessageType.Audio, MediaChunkStreamAudio, timestamp, false, audioConfiguration, data));
                    if (!audioConfiguration)
                    {
                        mediaBytes += size;
                    }
                    break;
            }
            last = Math.Max(last, timestamp);
        }
        // Configuration first, then media in timestamp order (FLV is already in order; the sort is stable).
        var ordered = messages.Where(m => m.Configuration).Concat(messages.Where(m => !m.Configuration).OrderBy(m => m.Timestamp)).ToList();
        // One video frame after the last one, rounded to the frame rate of a 30 fps clip: the loop length.
        var duration = (uint)Math.Round((lastVideo + 33.333) / 33.333) * 100 / 3;
        duration = Math.Max(duration, last + 1);
        return new FlvClip(ordered, duration, mediaBytes);
    }

    private static ClipMessage Chunk(RtmpMessageType type, int chunkStream, uint timestamp, bool keyframe, bool configuration, ReadOnlySpan<byte> payload)
    {
        var output = new ArrayBufferWriter<byte>(payload.Length + payload.Length / ChunkSize + 16);
        ChunkWriter.WriteMessage(output, chunkStream, 0, type, 1, payload, ChunkSize);
        return new ClipMessage(type, timestamp, keyframe, configuration, output.WrittenSpan.ToArray());
    }
}
