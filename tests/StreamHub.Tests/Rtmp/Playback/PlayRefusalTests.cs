using System.Net;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>What a player is refused: a name that is not live (NetStream.Play.StreamNotFound, at once), a stream's key
/// used as the name (viewers play by public name only; the key is never logged), and an address the
/// <c>StreamHub:Access:Play</c> rules leave out (NetStream.Play.Failed).</summary>
[Collection(PlaybackCollection.Name)]
public sealed class PlayRefusalTests(PlaybackServerFixture fixture)
{
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Ffprobe_fails_fast_for_a_name_that_is_not_live()
    {
        var result = await ProbeAsync(fixture.PlayUrl("nobody-publishes-this"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < Fast, $"ffprobe took {result.Elapsed}");
        Assert.Contains("No live stream", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_of_a_live_stream_is_not_a_name_to_play_and_is_never_logged()
    {
        await using (var player = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort))
        {
            Assert.Equal(RtmpStatusCodes.PlayStreamNotFound, await player.PlayAsync(fixture.Key));
            Assert.True(await player.Client.WaitForCloseAsync(Fast), "the connection stayed open after StreamNotFound");
        }
        var probe = await ProbeAsync(fixture.PlayUrl(fixture.Key));
        Assert.NotEqual(0, probe.ExitCode);
        Assert.Contains("No live stream", probe.Output, StringComparison.Ordinal);

        await fixture.WaitForLogLineAsync("play refused", alsoContaining: "no live stream of the requested name");
        Assert.DoesNotContain(fixture.Key, fixture.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_the_play_rules_deny_is_answered_play_failed_and_closed()
    {
        await using var player = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort, IPAddress.Parse(PlaybackServerFixture.DeniedPlayer));

        Assert.Equal(RtmpStatusCodes.PlayFailed, await player.PlayAsync(fixture.Name));
        Assert.True(await player.Client.WaitForCloseAsync(Fast), "the connection stayed open after Play.Failed");
        await fixture.WaitForLogLineAsync("the address is not allowed to play (StreamHub:Access:Play)", alsoContaining: PlaybackServerFixture.DeniedPlayer);
        Assert.DoesNotContain(player.Client.Received, m => m.Type is StreamHub.Rtmp.Messages.RtmpMessageType.Video or StreamHub.Rtmp.Messages.RtmpMessageType.Audio);
    }

    [Fact]
    public async Task Ffprobe_from_an_address_the_play_rules_leave_out_fails()
    {
        // Play allowed from 10.0.0.0/8 only: 127.0.0.1 is left out. The rule is checked before the name.
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Access:Play:Allow:0"] = "10.0.0.0/8" });

        var result = await ProbeAsync($"rtmp://127.0.0.1:{host.RtmpPort}/live/any-name");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < Fast, $"ffprobe took {result.Elapsed}");
        Assert.Contains("not allowed", result.Output, StringComparison.Ordinal);
    }

    private static Task<ExternalProcess.Result> ProbeAsync(string url) =>
        ExternalProcess.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"), ["-v", "error", "-show_streams", url], PlaybackServerFixture.ClientLimit);
}
