using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.Rtmp;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary><c>StreamHub:Rtmp:BatchedSends</c>: on, the RTMP port's start-up says that players' sends go through
/// io_uring (or why they cannot) and a stream's resumed players share a ring; off, there is no ring and no line.</summary>
[Collection(ProcessSettingsCollection.Name)]
public sealed class BatchedSendsSettingTests
{
    [Fact]
    public void On_the_start_up_log_says_how_players_are_sent_to_and_off_no_ring_is_used()
    {
        try
        {
            var onLog = new ListLogger();
            _ = new RtmpTransportFactory(Options.Create(new RtmpOptions { Port = 19351 }), new OneLoggerFactory(onLog));
            if (OperatingSystem.IsLinux())
            {
                var line = Assert.Single(onLog.Lines, l => l.Contains("RTMP players' sends", StringComparison.Ordinal));
                // CI's kernel allows io_uring: there the line must say the sends are batched.
                Assert.True(line.Contains("batched", StringComparison.Ordinal) || Environment.GetEnvironmentVariable("CI") is null, line);
                if (line.Contains("batched", StringComparison.Ordinal))
                {
                    var ring = SendRing.Begin();
                    Assert.NotNull(ring);
                    SendRing.End(ring);
                }
            }

            var offLog = new ListLogger();
            _ = new RtmpTransportFactory(Options.Create(new RtmpOptions { Port = 19351, BatchedSends = false }), new OneLoggerFactory(offLog));
            Assert.DoesNotContain(offLog.Lines, l => l.Contains("RTMP players' sends", StringComparison.Ordinal));
            Assert.False(SendRing.Enabled);
            Assert.Null(SendRing.Begin());
            Assert.Null(SendRing.Current);
        }
        finally
        {
            SendRing.Enabled = true;
        }
    }

    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
