using System.Buffers.Binary;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>A server process killed with SIGKILL mid-publish leaves a recording that ends on a whole fragment and
/// decodes cleanly up to it.</summary>
public sealed class RecordingCrashTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Kill_9_of_the_server_mid_publish_leaves_a_file_that_ends_on_a_whole_fragment_and_decodes()
    {
        const string adminKey = "crash-test-admin-key-0123456789";
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = adminKey;
        settings["StreamHub__Recording__Enabled"] = "true";
        settings["StreamHub__Recording__MinFreeMegabytes"] = "16";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}/") };
        client.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        var name = UniqueNames.Stream("crash");
        var created = await client.PostAsJsonAsync("/api/streams", new { name });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        await using var publisher = BackgroundProcess.Start("ffmpeg", ffmpeg,
        [
            "-hide_banner", "-nostdin", "-v", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "30", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-sc_threshold", "0", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{server.RtmpPort}/live/{key}",
        ]);

        // Killed once at least three one-second fragments are on disk, with more being written.
        var directory = Path.Combine(server.DataDirectory, "recordings", name);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string? path = null;
        while (path is null || CompleteFragments(path) < 3)
        {
            publisher.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, $"no recording grew in {directory}:\n{server.Output}");
            await Task.Delay(200);
            path = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.mp4").SingleOrDefault() : null;
        }
        var kill = await ExternalProcess.RunAsync("/bin/kill", ["-9", server.ProcessId.ToString()], Limit);
        Assert.Equal(0, kill.ExitCode);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var bytes = await File.ReadAllBytesAsync(path);
        var (boxes, end) = TopLevelBoxes(bytes);
        Assert.Equal(bytes.Length, end); // every box whole: nothing half-written at the end
        Assert.Equal("ftyp", boxes[0]);
        Assert.Equal("moov", boxes[1]);
        // Written with O_DIRECT (the data directory is on ext4): whole blocks, the last write's padding a free box.
        Assert.Equal(0, bytes.Length % 4096);
        Assert.Equal("free", boxes[^1]);
        var fragments = boxes.Count(b => b == "moof");
        Assert.True(fragments >= 3, string.Join(",", boxes));

        var decode = await RecordingProbe.DecodeAsync(path);
        Assert.True(decode.ExitCode == 0 && decode.Errors.Length == 0, $"exit {decode.ExitCode}: {decode.Errors}");
        // One-second GOPs, a fragment each: every complete fragment's 25 frames decode.
        Assert.Equal(fragments * 25, decode.VideoFrames);
    }

    private static int CompleteFragments(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return TopLevelBoxes(bytes).Boxes.Count(b => b == "mdat");
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The top-level box types, and where the last whole box ends.</summary>
    private static (List<string> Boxes, long End) TopLevelBoxes(byte[] bytes)
    {
        var boxes = new List<string>();
        long offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset));
            if (size < 8 || offset + size > bytes.Length)
            {
                break;
            }
            boxes.Add(System.Text.Encoding.ASCII.GetString(bytes, (int)offset + 4, 4));
            offset += size;
        }
        return (boxes, offset);
    }
}
