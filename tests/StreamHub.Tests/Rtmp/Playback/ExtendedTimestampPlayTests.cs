namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A stream whose timestamps are past the 24-bit field (over 4.66 h, here 16,780 s): every player gets the
/// extended timestamp on the first chunk of each frame and on each continuation of the frames larger than the chunk
/// size, and ffmpeg, rtmpdump, rtmp2src and rtmpsrc all read them, keeping the publisher's clock.</summary>
[Collection(PlaybackCollection.Name)]
public sealed class ExtendedTimestampPlayTests(PlaybackServerFixture fixture)
{
    private const long Offset = 16_780_000;

    [Fact]
    public async Task Every_player_reads_timestamps_past_the_24_bit_field()
    {
        var (name, key) = await fixture.CreateStreamAsync("extended");
        var directory = Directory.CreateTempSubdirectory("streamhub-play-").FullName;
        await using var publisher = PlaybackServerFixture.StartPublisher("publisher", fixture.PublishUrl(key), 4, "-output_ts_offset", "16780");
        await fixture.WaitUntilLiveAsync(name, publisher);
        string File(string client) => Path.Combine(directory, client + ".flv");

        var clients = PlayerClients.RecordUntilEnd(fixture.PlayUrl(name), File);
        await Task.WhenAll(clients.Values);

        foreach (var (client, run) in clients)
        {
            var result = await run;
            Assert.True(result.ExitCode == 0, $"{client} exited {result.ExitCode}:\n{result.Output}");
            var video = (await ProbedPacket.ProbeAsync(File(client))).Where(p => p.Kind == "video").ToList();
            Assert.True(video.Count >= 45, $"{client}: {video.Count} video frames");
            // With B-frames the first DTS is the offset less the reorder delay (-67 ms at 30 fps, -bf 2).
            Assert.InRange(video[0].Dts, Offset - 100, Offset + 5_000);
            Assert.All(video.Zip(video.Skip(1)), p => Assert.InRange(p.Second.Dts - p.First.Dts, 33, 34));
            // Frames over the server's chunk size (4096) went out in several chunks, each carrying the extended field.
            Assert.True(video.Count(p => p.Size > 4096) >= 5, $"{client}: only {video.Count(p => p.Size > 4096)} frames over 4096 bytes");
        }
        Directory.Delete(directory, recursive: true);
    }
}
