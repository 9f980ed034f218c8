namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>Playback works on every way in that publishing has: RTMP sniffed on the HTTP port, RTMPS sniffed on the
/// HTTPS port (self-signed: ffmpeg does not verify by default) and RTMPT through the HTTP tunnel; ffmpeg decodes each.</summary>
[Collection(PlaybackCollection.Name)]
public sealed class TransportPlayTests(PlaybackServerFixture fixture)
{
    [Theory]
    [InlineData("rtmp", false, "rtmp")]
    [InlineData("rtmps", true, "rtmps")]
    [InlineData("rtmpt", false, "rtmpt")]
    public async Task Ffmpeg_plays_over_the_web_ports(string scheme, bool https, string transport)
    {
        var joined = $"joined stream {fixture.Name} over Rtmp ({transport})";
        var before = Count(fixture.Server.Output, joined);
        var port = https ? fixture.Server.HttpsPort : fixture.Server.HttpPort;

        var result = await FfmpegPlayTests.PlayAsync(fixture.PlayUrl(scheme: scheme, port: port), seconds: 2);

        Assert.True(result.ExitCode == 0, $"ffmpeg over {scheme} exited {result.ExitCode}:\n{result.StandardError}");
        FfmpegPlayTests.AssertNoErrors(result,
            string.Join('\n', fixture.Server.Output.Split('\n').Where(l => l.Contains($"({transport})", StringComparison.Ordinal))));
        Assert.InRange(FfmpegPlayTests.DecodedFrames(result), 50, 65);
        Assert.Equal(before + 1, Count(fixture.Server.Output, joined));
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;
}
