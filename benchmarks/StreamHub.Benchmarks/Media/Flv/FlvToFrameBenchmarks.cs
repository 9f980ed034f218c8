using System.Buffers;
using BenchmarkDotNet.Attributes;
using StreamHub.Media;
using StreamHub.Media.Flv;

namespace StreamHub.Benchmarks.Media.Flv;

/// <summary>The FLV-to-frame step of the ingest path: read the audio/video tag header of a reassembled message and
/// make the shared, pooled <see cref="MediaFrame"/> (then release it, as the publisher does after the fan-out).
/// One operation = 100 messages (50 × 12 KB AVC video, 50 × 300 B AAC audio).</summary>
[MemoryDiagnoser]
public class FlvToFrameBenchmarks
{
    private readonly byte[] _video = new byte[5 + 12_000];
    private readonly byte[] _audio = new byte[2 + 300];

    [GlobalSetup]
    public void Setup()
    {
        _video[0] = 0x17; // keyframe, AVC
        _video[1] = 0x01; // NAL units
        _video[4] = 0x28; // composition time 40 ms
        _audio[0] = 0xAF; // AAC
        _audio[1] = 0x01; // raw frame
        MessagesToFrames();
    }

    [Benchmark]
    public long MessagesToFrames()
    {
        long bytes = 0;
        for (var i = 0; i < 50; i++)
        {
            bytes += ToFrame(_video, MediaKind.Video, i * 40L);
            bytes += ToFrame(_audio, MediaKind.Audio, i * 40L);
        }
        return bytes;
    }

    private static int ToFrame(byte[] message, MediaKind kind, long dts)
    {
        var body = new ReadOnlySequence<byte>(message);
        var ok = kind == MediaKind.Video ? FlvVideoHeaderReader.TryRead(ref body, out var header) : FlvAudioHeaderReader.TryRead(ref body, out header);
        if (!ok)
        {
            throw new InvalidOperationException("bad FLV header");
        }
        var frame = MediaFrame.Create(body, header.Kind, header.FrameKind, dts, header.CompositionOffset, header.IsKeyframe,
            header.VideoCodec, header.AudioCodec, header.TrackId);
        var length = frame.Payload.Length;
        frame.Release();
        return length;
    }
}
