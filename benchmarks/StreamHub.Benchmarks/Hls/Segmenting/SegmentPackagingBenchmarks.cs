using BenchmarkDotNet.Attributes;
using StreamHub.Hls.Fmp4;
using StreamHub.Hls.Segmenting;
using StreamHub.Hls.Ts;
using StreamHub.Media;

namespace StreamHub.Benchmarks.Hls.Segmenting;

/// <summary>What packaging costs per segment in each container, as the load test's publishers drive it: one operation is
/// one 2-second segment of 25 fps H.264 (12.5 KB a frame, an IDR at its start) and 44.1 kHz AAC through a
/// <see cref="Segmenter"/>: MPEG-TS, or fMP4 with low-latency parts (six 0.333 s parts, six playlist versions). Nobody
/// reads the playlist, as for a stream nobody watches. <see cref="FramesOnly"/> makes and releases the same frames
/// without packaging them: what the RTMP side allocates anyway, to subtract.</summary>
[MemoryDiagnoser]
public class SegmentPackagingBenchmarks
{
    private static readonly byte[] AvcRecord =
    [
        0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x05, 0x67, 0x64, 0x00, 0x1F, 0xAC,
        0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80,
    ];

    private static readonly byte[] AacConfig = [0x12, 0x10];
    private const int VideoFrameBytes = 12_500;

    private readonly byte[] _idr = Nal(0x65);
    private readonly byte[] _picture = Nal(0x41);
    private readonly byte[] _aac = new byte[370];
    private Segmenter _segmenter = null!;
    private long _ms;
    private long _audioFrames;

    [Params("ts", "fmp4-ll")]
    public string Container { get; set; } = "ts";

    [GlobalSetup]
    public void Setup()
    {
        var lowLatency = Container == "fmp4-ll";
        var window = new SegmentWindow(6, 2, 1_000, lowLatency ? TimeSpan.FromSeconds(0.333) : null);
        _segmenter = new Segmenter(window, TimeSpan.FromSeconds(2), TimeProvider.System,
            writer: lowLatency ? new CmafSegmentWriter() : new TsSegmentWriter());
        _segmenter.BeginPublish();
        Write(MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        Write(MediaFrame.Create(AacConfig, MediaKind.Audio, MediaFrameKind.SequenceHeader, 0, audioCodec: AudioCodec.Aac));
        for (var i = 0; i < 20; i++)
        {
            OneSegment();
        }
    }

    [Benchmark]
    public long OneSegment() => Frames(package: true);

    [Benchmark(Baseline = true)]
    public long FramesOnly() => Frames(package: false);

    /// <summary>Two seconds of frames in DTS order.</summary>
    private long Frames(bool package)
    {
        var end = _ms + 2_000;
        for (; _ms < end; _ms += 40)
        {
            var video = MediaFrame.Create(_ms % 2_000 == 0 ? _idr : _picture, MediaKind.Video, MediaFrameKind.Coded, _ms, 40, _ms % 2_000 == 0,
                VideoCodec.H264);
            Send(video, package);
            for (long audioMs; (audioMs = _audioFrames * 1024 * 1000 / 44_100) < _ms + 40; _audioFrames++)
            {
                Send(MediaFrame.Create(_aac, MediaKind.Audio, MediaFrameKind.Coded, audioMs, audioCodec: AudioCodec.Aac), package);
            }
        }
        return _segmenter.Window.NextSequence;
    }

    private void Send(MediaFrame frame, bool package)
    {
        if (package)
        {
            _segmenter.Write(frame);
        }
        frame.Release();
    }

    private void Write(MediaFrame frame)
    {
        _segmenter.Write(frame);
        frame.Release();
    }

    /// <summary>One AVCC NAL unit of <see cref="VideoFrameBytes"/> (4-byte length, then the NAL header).</summary>
    private static byte[] Nal(byte header)
    {
        var nal = new byte[VideoFrameBytes];
        var length = nal.Length - 4;
        nal[0] = (byte)(length >> 24);
        nal[1] = (byte)(length >> 16);
        nal[2] = (byte)(length >> 8);
        nal[3] = (byte)length;
        nal[4] = header;
        return nal;
    }
}
