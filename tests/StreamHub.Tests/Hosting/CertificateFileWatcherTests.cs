using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Hosting;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hosting;

/// <summary>The watcher over certbot's layout, on the real file system: <c>live/HOST/fullchain.pem</c> is a relative
/// link into <c>archive/HOST/</c>, and a renewal writes <c>fullchain2.pem</c> and swaps the link.</summary>
public sealed class CertificateFileWatcherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("streamhub-watch-").FullName;
    private readonly string _live;
    private readonly string _archive;

    public CertificateFileWatcherTests()
    {
        _live = Directory.CreateDirectory(Path.Combine(_root, "live", "example.org")).FullName;
        _archive = Directory.CreateDirectory(Path.Combine(_root, "archive", "example.org")).FullName;
        File.WriteAllText(Path.Combine(_archive, "fullchain1.pem"), "one");
        File.CreateSymbolicLink(Path.Combine(_live, "fullchain.pem"), "../../archive/example.org/fullchain1.pem");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_paths_to_a_file_follow_every_link_to_its_target()
    {
        var outer = Path.Combine(_root, "fullchain.pem");
        File.CreateSymbolicLink(outer, Path.Combine(_live, "fullchain.pem"));

        var paths = CertificateFileWatcher.PathsToTarget(outer);

        Assert.Equal([outer, Path.Combine(_live, "fullchain.pem"), Path.Combine(_archive, "fullchain1.pem")], paths);
    }

    [Fact]
    public void A_link_loop_ends_the_walk()
    {
        var a = Path.Combine(_root, "a.pem");
        var b = Path.Combine(_root, "b.pem");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);

        var paths = CertificateFileWatcher.PathsToTarget(a);

        Assert.InRange(paths.Count, 2, 41);
    }

    [Fact]
    public async Task A_renewal_that_swaps_the_link_and_then_a_rewrite_of_the_new_target_are_both_seen()
    {
        var calls = 0;
        using var watcher = new CertificateFileWatcher([Path.Combine(_live, "fullchain.pem")], () => Interlocked.Increment(ref calls),
            TimeProvider.System, NullLogger.Instance);

        // As certbot renews: a new file in archive/, then the link in live/ unlinked and made again.
        File.WriteAllText(Path.Combine(_archive, "fullchain2.pem"), "two");
        File.Delete(Path.Combine(_live, "fullchain.pem"));
        File.CreateSymbolicLink(Path.Combine(_live, "fullchain.pem"), "../../archive/example.org/fullchain2.pem");
        await WaitForAsync(() => Volatile.Read(ref calls) >= 1);

        // Now the new target itself is watched: an in-place rewrite is seen too.
        var before = Volatile.Read(ref calls);
        await Task.Delay(CertificateFileWatcher.QuietPeriod * 2);
        File.WriteAllText(Path.Combine(_archive, "fullchain2.pem"), "two, rewritten");
        await WaitForAsync(() => Volatile.Read(ref calls) > before);
    }

    [Fact]
    public void With_no_file_event_at_all_the_poll_timer_still_calls_the_check()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var calls = 0;
        using var watcher = new CertificateFileWatcher([Path.Combine(_live, "fullchain.pem")], () => calls++, time, NullLogger.Instance);

        var poll = Assert.Single(time.Timers, t => t.DueTime == CertificateFileWatcher.PollInterval);
        poll.Callback(poll.State);

        Assert.Equal(1, calls);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        // Well under the 30 s poll: only a file-system event can make this in time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The watcher did not call back after the files changed.");
            await Task.Delay(50);
        }
    }
}
