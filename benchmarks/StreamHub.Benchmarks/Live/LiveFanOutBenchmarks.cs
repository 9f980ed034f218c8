using BenchmarkDotNet.Attributes;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Benchmarks.Live;

/// <summary>Fan-out of one frame to N subscriptions: <see cref="LiveStream.Write"/> (GOP cache, one ring slot and
/// one reference per subscriber) plus every subscriber reading and releasing it, on one thread. One operation is one
/// frame (a 1 s GOP of 25 video frames of 12 KB and 38 AAC frames of 300 bytes, written over and over).</summary>
[MemoryDiagnoser]
public class LiveFanOutBenchmarks
{
    private LiveStreamRegistry _registry = null!;
    private LiveStream _stream = null!;
    private LiveSubscription[] _subscriptions = [];
    private MediaFrame[] _gop = [];

    [Params(1, 10, 100)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new LiveStreamRegistry([], TimeProvider.System);
        _registry.TryBeginPublish("bench", new PublisherInfo("c", "127.0.0.1:1", null), out _stream);
        _stream.Write(MediaFrame.Create(new byte[40], MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264));
        _subscriptions = Enumerable.Range(0, Subscribers).Select(i => _stream.Subscribe(new SubscriptionOptions($"s{i}"))).ToArray();
        var frames = new List<MediaFrame>();
        for (var i = 0; i < 25; i++)
        {
            frames.Add(MediaFrame.Create(new byte[12_000], MediaKind.Video, MediaFrameKind.Coded, i * 40, isKeyframe: i == 0, videoCodec: VideoCodec.H264));
            frames.Add(MediaFrame.Create(new byte[300], MediaKind.Audio, MediaFrameKind.Coded, i * 40 + 1, audioCodec: AudioCodec.Aac));
            if (i % 2 == 0)
            {
                frames.Add(MediaFrame.Create(new byte[300], MediaKind.Audio, MediaFrameKind.Coded, i * 40 + 21, audioCodec: AudioCodec.Aac));
            }
        }
        _gop = [.. frames];
        WriteAndRead();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
        _registry.EndPublish(_stream);
    }

    /// <summary>Readers that batch: the rings are emptied once per GOP (63 frames queued per subscriber).</summary>
    [Benchmark(OperationsPerInvoke = 63 * 100)]
    public void Write()
    {
        for (var round = 0; round < 100; round++)
        {
            foreach (var frame in _gop)
            {
                _stream.Write(frame);
            }
            DrainAll();
        }
    }

    /// <summary>Readers that keep up: each subscriber reads and releases every frame right after it is written.</summary>
    [Benchmark(OperationsPerInvoke = 63 * 100)]
    public void WriteAndRead()
    {
        for (var round = 0; round < 100; round++)
        {
            foreach (var frame in _gop)
            {
                _stream.Write(frame);
                DrainAll();
            }
        }
    }

    private void DrainAll()
    {
        foreach (var subscription in _subscriptions)
        {
            while (subscription.TryRead(out var item))
            {
                item.Frame?.Release();
            }
        }
    }
}
