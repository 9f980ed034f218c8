using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.Recording;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The recordings folder on a real (temporary) disk: ids, retention by size and by age.</summary>
public sealed class RecordingStoreTests : IDisposable
{
    private const int Kb = 1024;
    private readonly string _root = Directory.CreateTempSubdirectory("streamhub-recstore-").FullName;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    private RecordingStore Store(long maxTotalMegabytes = 0, double maxAgeHours = 0) => new(
        Options.Create(new RecordingOptions { Directory = _root, MaxTotalMegabytes = maxTotalMegabytes, MaxAgeHours = maxAgeHours }),
        Options.Create(new ServerOptions()), _time, NullLogger<RecordingStore>.Instance);

    private string Recording(string stream, string stamp, int bytes)
    {
        Directory.CreateDirectory(Path.Combine(_root, stream));
        var path = Path.Combine(_root, stream, $"{stream}-{stamp}.mp4");
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public void The_streams_oldest_recordings_are_deleted_first_to_keep_its_limit()
    {
        // Written out of order: the age is the start time in the name.
        var newest = Recording("cam", "20261202-110000", 400 * Kb);
        var oldest = Recording("cam", "20261201-090000", 400 * Kb);
        var middle = Recording("cam", "20261202-080000", 400 * Kb);
        var store = Store();

        Assert.True(store.MakeRoom("cam", 300 * Kb, 1200 * Kb));

        Assert.False(File.Exists(oldest));
        Assert.True(File.Exists(middle));
        Assert.True(File.Exists(newest));
        Assert.Equal(800 * Kb, store.StreamBytesOf("cam"));
    }

    [Fact]
    public void A_file_being_written_is_never_deleted_and_the_limit_then_cannot_be_kept()
    {
        var store = Store();
        using (var file = store.CreateFile("cam", _time.GetUtcNow()))
        {
            file.Write(new byte[600 * Kb], 0);
            store.Added("cam", 600 * Kb);
            Assert.False(store.MakeRoom("cam", 500 * Kb, 1024 * Kb));
            Assert.Single(store.Files("cam"));
            store.Finished(file.Name);
        }
        Assert.True(store.MakeRoom("cam", 500 * Kb, 1024 * Kb));
        Assert.Empty(store.Files("cam"));
    }

    [Fact]
    public void The_server_limit_deletes_the_oldest_recording_of_any_stream()
    {
        var a1 = Recording("a", "20261201-100000", 512 * Kb);
        var b1 = Recording("b", "20261201-090000", 512 * Kb);
        var a2 = Recording("a", "20261202-100000", 512 * Kb);
        var store = Store(maxTotalMegabytes: 2);

        Assert.True(store.MakeRoom("a", 600 * Kb, streamLimit: 0));

        Assert.False(File.Exists(b1));
        Assert.True(File.Exists(a1));
        Assert.True(File.Exists(a2));
        Assert.Equal(1024 * Kb, store.TotalBytes);
    }

    [Fact]
    public void Recordings_past_the_maximum_age_are_deleted_and_newer_ones_kept()
    {
        var old = Recording("cam", "20261120-100000", Kb);
        var recent = Recording("cam", "20261202-100000", Kb);
        File.SetLastWriteTimeUtc(old, _time.GetUtcNow().UtcDateTime.AddHours(-49));
        File.SetLastWriteTimeUtc(recent, _time.GetUtcNow().UtcDateTime.AddHours(-47));
        var store = Store(maxAgeHours: 48);

        Assert.Equal(1, store.DeleteExpired());

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
    }

    [Theory]
    [InlineData("cam-20261202-110000.mp4", true)]
    [InlineData("cam-20261202-110000-2.mp4", true)]
    [InlineData("cam-20261202-110000.mp4.part", false)]
    [InlineData("../cam-20261202-110000.mp4", false)]
    [InlineData("cam-20261202-110000/../../x.mp4", false)]
    [InlineData("other-20261202-110000.mp4", false)]
    [InlineData("cam-2026120-110000.mp4", false)]
    public void Only_the_streams_own_file_names_are_recording_ids(string id, bool valid) =>
        Assert.Equal(valid, RecordingStore.IsRecordingId("cam", id));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
