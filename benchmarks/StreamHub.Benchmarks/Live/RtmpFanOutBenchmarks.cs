using BenchmarkDotNet.Attributes;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Rtmp.Playback;

namespace StreamHub.Benchmarks.Live;

/// <summary>The RTMP play path's fan-out, as the server runs it per frame: the publisher's frame is created (pooled
/// payload), written to the live stream (GOP cache, one ring slot and one reference per subscriber) and released by
/// the publisher; then every subscriber reads it, gets its RTMP chunks through <see cref="MediaFrame.GetOrAddEncoding"/>
/// (encoded by the first subscriber, shared by the rest: one chunk size, one message stream id), copies them into its
/// own output buffer (what the play loop's pipe write does) and releases the frame. One operation is one frame (a 1 s GOP
/// of 25 video frames of 12 KB and 38 AAC frames of 300 bytes, with increasing timestamps). The Allocated column is
/// per frame whatever the number of subscribers: the publisher's <see cref="MediaFrame"/> object, nothing per
/// subscriber.</summary>
[MemoryDiagnoser]
public class RtmpFanOutBenchmarks
{
    private const int ChunkSize = 4096;
    private const uint MessageStreamId = 1;
    private static readonly int SharedKey = RtmpMediaChunks.SharedKey(ChunkSize, MessageStreamId);

    private readonly byte[] _video = new byte[12_000];
    private readonly byte[] _audio = new byte[300];
    private LiveStreamRegistry _registry = null!;
    private LiveStream _stream = null!;
    private LiveSubscription[] _subscriptions = [];
    private byte[][] _outputs = [];
    private long _dts;

    /// <summary>0: the publisher's own cost (no GOP cache either: a stream keeps one from its first subscription).</summary>
    [Params(0, 1, 10, 100)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_video);
        Random.Shared.NextBytes(_audio);
        _registry = new LiveStreamRegistry([], TimeProvider.System);
        _registry.TryBeginPublish("bench", new PublisherInfo("c", "127.0.0.1:1", null), out _stream);
        var header = MediaFrame.Create(new byte[40], MediaKind.Video, MediaFrameKind.SequenceHeader, 0, isKeyframe: true, videoCodec: VideoCodec.H264);
        _stream.Write(header);
        header.Release();
        _subscriptions = Enumerable.Range(0, Subscribers).Select(i => _stream.Subscribe(new SubscriptionOptions($"s{i}"))).ToArray();
        _outputs = Enumerable.Range(0, Subscribers).Select(_ => new byte[16 * 1024]).ToArray();
        // Warm the pools (frame payloads, shared encodings) and the subscribers' first keyframe wait.
        for (var i = 0; i < 20; i++)
        {
            OneGop();
        }
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

    [Benchmark(OperationsPerInvoke = 63)]
    public void WriteEncodeAndRead() => OneGop();

    private void OneGop()
    {
        for (var i = 0; i < 25; i++)
        {
            var dts = _dts + i * 40;
            Publish(MediaFrame.Create(_video, MediaKind.Video, MediaFrameKind.Coded, dts, isKeyframe: i == 0, videoCodec: VideoCodec.H264));
            Publish(MediaFrame.Create(_audio, MediaKind.Audio, MediaFrameKind.Coded, dts + 1, audioCodec: AudioCodec.Aac));
            if (i % 2 == 0)
            {
                Publish(MediaFrame.Create(_audio, MediaKind.Audio, MediaFrameKind.Coded, dts + 21, audioCodec: AudioCodec.Aac));
            }
        }
        _dts += 1000;
    }

    private void Publish(MediaFrame frame)
    {
        _stream.Write(frame);
        frame.Release();
        for (var i = 0; i < _subscriptions.Length; i++)
        {
            var subscription = _subscriptions[i];
            while (subscription.TryRead(out var item))
            {
                if (item.Frame is { } read)
                {
                    var chunks = read.GetOrAddEncoding(SharedKey, RtmpMediaChunks.MaxLength(read, ChunkSize), RtmpMediaChunks.Shared);
                    chunks.Span.CopyTo(_outputs[i]);
                    read.Release();
                }
            }
        }
    }
}
