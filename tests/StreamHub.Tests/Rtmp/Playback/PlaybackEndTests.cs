using System.Net;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>How playback ends: the publisher stopping ends every player cleanly (ffmpeg, rtmpdump, GStreamer's rtmp2src
/// and librtmp's rtmpsrc all exit 0, and the FLV each wrote probes as h264 + aac with the frames of the publish), and
/// deleting the stream's key kicks the publisher and its players see the end.</summary>
[Collection(PlaybackCollection.Name)]
public sealed class PlaybackEndTests(PlaybackServerFixture fixture)
{
    private const int PublishSeconds = 5;
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_client_ends_cleanly_when_the_publisher_stops_and_what_it_wrote_probes()
    {
        var (name, key) = await fixture.CreateStreamAsync("ends");
        var directory = Directory.CreateTempSubdirectory("streamhub-play-").FullName;
        await using var publisher = PlaybackServerFixture.StartPublisher("publisher", fixture.PublishUrl(key), PublishSeconds);
        await fixture.WaitUntilLiveAsync(name, publisher);
        var url = fixture.PlayUrl(name);
        string File(string client) => Path.Combine(directory, client + ".flv");

        var clients = PlayerClients.RecordUntilEnd(url, File);
        await Task.WhenAll(clients.Values);

        foreach (var (client, run) in clients)
        {
            var result = await run;
            Assert.True(result.ExitCode == 0, $"{client} exited {result.ExitCode} when the publisher stopped:\n{result.Output}");
            var packets = await ProbedPacket.ProbeAsync(File(client));
            var video = packets.Where(p => p.Kind == "video").ToList();
            var audio = packets.Where(p => p.Kind == "audio").ToList();
            // 5 s at 30 fps, less the time to start the client and, for the stream's first players, to its first keyframe (≤ 1 s).
            Assert.True(video.Count is >= 60 and <= PublishSeconds * 30, $"{client}: {video.Count} video frames");
            Assert.True(video[0].Keyframe, $"{client}: the first video frame is not a keyframe");
            Assert.True(audio.Count > video.Count, $"{client}: {audio.Count} audio frames for {video.Count} video frames");
            // Both start together, even for a first player that waited for the stream's next keyframe.
            Assert.True(Math.Abs(audio[0].Dts - video[0].Dts) <= 100, $"{client}: audio starts at {audio[0].Dts}, video at {video[0].Dts}");
        }
        var codecs = await ExternalProcess.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"),
            ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", File("rtmpsrc")], PlaybackServerFixture.ClientLimit);
        Assert.Equal(["aac", "h264"], codecs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());

        var left = await LeaveLinesAsync(name, 4);
        Assert.All(left, line => Assert.EndsWith("the publisher stopped", line.TrimEnd()));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Deleting_the_key_kicks_the_publisher_and_its_players_see_the_end()
    {
        var (name, key) = await fixture.CreateStreamAsync("deleted");
        await using var publisher = PlaybackServerFixture.StartPublisher("publisher", fixture.PublishUrl(key), seconds: 30);
        await fixture.WaitUntilLiveAsync(name, publisher);
        var progress = Path.Combine(Path.GetTempPath(), $"streamhub-progress-{name}.txt");
        var ffmpeg = Run("ffmpeg", "ffmpeg", ["-hide_banner", "-v", "error", "-nostdin", "-i", fixture.PlayUrl(name),
            "-progress", progress, "-stats_period", "0.1", "-f", "null", "-"]);
        await using var player = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort);
        Assert.Equal(RtmpStatusCodes.PlayReset, await player.PlayAsync(name));
        Assert.NotNull(await player.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(5)));
        await fixture.WaitForLogLineAsync($"joined stream {name} over Rtmp", alsoContaining: "rtmp) from 127.0.0.1");
        await WaitForCountAsync(() => Count(fixture.Server.Output, $"joined stream {name} "), 2);
        // ffmpeg has joined once the server says so, but it is still probing the input until it decodes a picture; an
        // end of stream before that is "End of file" opening the input (exit 1), not the end of a stream it plays.
        await WaitForCountAsync(() => DecodedFrames(progress) > 0 ? 1 : 0, 1);

        using var api = fixture.Api();
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/streams/{name}")).StatusCode);

        var unpublished = await player.ReadUntilAsync(m => m.Type == StreamHub.Rtmp.Messages.RtmpMessageType.Amf0Command
            && RtmpPlayClient.StatusCode(AmfMessageReader.ReadCommand(new System.Buffers.ReadOnlySequence<byte>(m.Payload), false, 16)) == RtmpStatusCodes.PlayUnpublishNotify, EndWait);
        Assert.NotNull(unpublished);
        Assert.True(await player.Client.WaitForCloseAsync(EndWait), "the player's connection stayed open after the stream ended");
        var played = await ffmpeg.WaitAsync(EndWait);
        Assert.True(played.ExitCode == 0, $"ffmpeg exited {played.ExitCode} when the key was deleted:\n{played.Output}");
        await WaitForCountAsync(() => publisher.HasExited ? 1 : 0, 1);
        var left = await LeaveLinesAsync(name, 2);
        Assert.All(left, line => Assert.EndsWith("the publisher stopped", line.TrimEnd()));
        File.Delete(progress);
    }

    /// <summary>The last <c>frame=</c> ffmpeg has written to its -progress file so far.</summary>
    private static int DecodedFrames(string progress)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(progress, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return reader.ReadToEnd().Split('\n').Where(l => l.StartsWith("frame=", StringComparison.Ordinal))
                .Select(l => int.TryParse(l.AsSpan(6), out var frames) ? frames : 0).LastOrDefault();
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    private static Task<ExternalProcess.Result> Run(string binary, string package, string[] arguments) =>
        ExternalProcess.RunAsync(ExternalProcess.Require(binary, package), arguments, PlaybackServerFixture.ClientLimit);

    private async Task<List<string>> LeaveLinesAsync(string name, int count)
    {
        List<string> lines = [];
        await WaitForCountAsync(() => (lines = fixture.Server.Output.Split('\n').Where(l => l.Contains($"left stream {name} ", StringComparison.Ordinal)).ToList()).Count, count);
        return lines;
    }

    private async Task WaitForCountAsync(Func<int> count, int expected)
    {
        var deadline = DateTime.UtcNow + EndWait;
        while (count() < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {expected}, saw {count()}:\n{fixture.Server.Output}");
            await Task.Delay(50);
        }
        Assert.Equal(expected, count());
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;
}
