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
            ["StreamHub:Recording:RewindMinutes"] = "5",
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

    /// <summary>ffmpeg publishes a test picture (25 fps, one-second GOPs) and a tone for <paramref name="seconds"/> of media,
    /// at <paramref name="readRate"/> times real time, and is waited for.</summary>
    public async Task<ExternalProcess.Result> PublishAsync(string key, int seconds, double readRate = 4)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffmpeg,
        [
            "-hide_banner", "-nostdin", "-v", "error", "-stats", "-readrate", readRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", seconds.ToString(), "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{Host.RtmpPort}/live/{key}",
        ], TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, result.Output);
        return result;
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
