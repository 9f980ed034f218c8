using StreamHub.Recording;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>One in-process StreamHub that records every stream, shared by a test class.</summary>
public sealed class RecordingHostFixture : IAsyncLifetime
{
    public StreamHubHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Recording:Enabled"] = "true",
            // A test machine's disk may be fuller than a server's.
            ["StreamHub:Recording:MinFreeMegabytes"] = "16",
        });
        return Task.CompletedTask;
    }

    /// <summary>Waits until the stream's recording has closed its file (the publish ended); returns its status and
    /// the stream's files, oldest first.</summary>
    public async Task<(RecordingStatus Status, IReadOnlyList<FileInfo> Files)> WaitForRecordingAsync(string name, TimeSpan? timeout = null)
    {
        var recorder = Host.GetService<Recorder>();
        var store = Host.GetService<RecordingStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = recorder.StatusOf(name);
            var files = store.Files(name);
            if (status.State != RecordingState.Recording && files.Count > 0)
            {
                return (status, files);
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the recording of {name} did not finish: {status}, {files.Count} files");
            }
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
