using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using StreamHub.Media;

namespace StreamHub.Benchmarks.Live;

/// <summary>The alternative the subscription ring was measured against: one bounded single-reader, single-writer
/// <see cref="Channel{T}"/> per subscriber, the frame retained into each and read and released, as in
/// <see cref="LiveFanOutBenchmarks.WriteAndRead"/> (without the GOP cache, the byte and time bounds or the stats).</summary>
[MemoryDiagnoser]
public class ChannelFanOutBaselineBenchmarks
{
    private Channel<MediaFrame>[] _channels = [];
    private MediaFrame _frame = null!;

    [Params(1, 10, 100)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channels = Enumerable.Range(0, Subscribers).Select(_ => Channel.CreateBounded<MediaFrame>(
            new BoundedChannelOptions(2048) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait })).ToArray();
        _frame = MediaFrame.Create(new byte[12_000], MediaKind.Video, MediaFrameKind.Coded, 0, videoCodec: VideoCodec.H264);
    }

    [Benchmark(OperationsPerInvoke = 6300)]
    public void WriteAndRead()
    {
        for (var i = 0; i < 6300; i++)
        {
            foreach (var channel in _channels)
            {
                if (!channel.Writer.TryWrite(_frame.Retain()))
                {
                    _frame.Release();
                }
            }
            foreach (var channel in _channels)
            {
                while (channel.Reader.TryRead(out var frame))
                {
                    frame.Release();
                }
            }
        }
    }
}
