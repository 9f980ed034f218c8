using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Hls;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls;

/// <summary><see cref="HlsStream.IsExpired"/> is read by HTTP threads without the stream's lock while a publisher
/// begins and ends under it.</summary>
public sealed class HlsStreamTests
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_stream_is_expired_only_once_its_grace_period_after_the_end_is_over()
    {
        using var blocks = new SegmentBlockPool();
        using var stream = NewStream(blocks);
        var publisher = NewPublisher();

        Assert.True(stream.Begin(publisher));
        Assert.False(stream.IsExpired(Start + TimeSpan.FromDays(1), Grace));
        Assert.True(stream.End(publisher, Start));
        Assert.Equal(Start, stream.EndedAt);
        Assert.False(stream.IsExpired(Start + Grace - TimeSpan.FromTicks(1), Grace));
        Assert.True(stream.IsExpired(Start + Grace, Grace));
        Assert.True(stream.TryExpire(Start + Grace, Grace));
        Assert.True(stream.IsExpired(Start, Grace));
    }

    [Fact]
    public void A_reader_racing_begin_and_end_never_sees_a_half_written_end_time()
    {
        using var blocks = new SegmentBlockPool();
        using var stream = NewStream(blocks);
        var publisher = NewPublisher();
        // Half way through the grace period after the end: never expired, whether the reader sees the stream live or
        // ended. A torn read (an end time of zero with "has a value" set) would make it expired.
        var now = Start + Grace / 2;
        using var done = new CancellationTokenSource();
        using var reading = new ManualResetEventSlim();
        var expiredSeen = 0L;
        var reads = 0L;
        var reader = Task.Factory.StartNew(() =>
        {
            reading.Set();
            while (!done.IsCancellationRequested)
            {
                if (stream.IsExpired(now, Grace))
                {
                    expiredSeen++;
                }
                reads++;
            }
        }, TaskCreationOptions.LongRunning);
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the reader thread never started");

        for (var i = 0; i < 200_000 && !reader.IsCompleted; i++)
        {
            stream.Begin(publisher);
            stream.End(publisher, Start);
        }
        done.Cancel();
        reader.Wait(TimeSpan.FromSeconds(30));

        Assert.True(reads > 1000, $"only {reads} reads raced the writer");
        Assert.Equal(0, expiredSeen);
    }

    private static HlsStream NewStream(SegmentBlockPool blocks) =>
        new("race", new HlsOptions(), HlsContainer.Ts, firstSequence: 1, new ManualTimeProvider(Start), blocks, NullLogger.Instance);

    private static LiveStream NewPublisher() => new("race", new PublisherInfo("c1", "127.0.0.1:1", null), Start, []);
}
