using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Playback;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>How the session answers <see cref="Admission.StreamAdmission"/>'s refusals that depend on the peer's
/// address, for publish and play: the onStatus code, the close, and the log line (never the key).</summary>
public sealed class RtmpSessionAdmissionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly IPAddress Outsider = IPAddress.Parse("203.0.113.9");

    [Fact]
    public async Task Publish_from_outside_the_publish_rules_is_answered_as_a_bad_key()
    {
        await using var h = new SessionHarness(access: new AccessOptions { Publish = { Deny = ["203.0.113.0/24"] } }, remoteIp: Outsider);
        await h.Client.HandshakeAsync();

        var (code, _) = await h.Client.PublishAsync("key-cam1");

        Assert.Equal(RtmpStatusCodes.PublishBadName, code);
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Empty(h.Authorizer.Asked);
        Assert.Contains(h.Logger.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("not allowed to publish"));
        Assert.Null(h.Registry.Find("cam1"));
    }

    [Fact]
    public async Task The_right_key_from_outside_its_streams_networks_is_answered_as_a_bad_key_and_logged_with_the_stream()
    {
        var authorizer = new FakeStreamKeyAuthorizer();
        authorizer.Keys["key-office"] = new PublishDecision(PublishVerdict.Allowed, "office", [IPNetwork.Parse("198.51.100.0/24")]);
        await using var h = new SessionHarness(authorizer: authorizer, remoteIp: Outsider);
        await h.Client.HandshakeAsync();

        var (code, _) = await h.Client.PublishAsync("key-office");

        Assert.Equal(RtmpStatusCodes.PublishBadName, code);
        Assert.True(await h.Client.WaitForCloseAsync(Wait));
        Assert.Contains(h.Logger.Lines, l => l.Contains("stream office") && l.Contains("allowed publisher networks"));
        Assert.DoesNotContain(h.Logger.Lines, l => l.Contains("key-office"));
        Assert.Null(h.Registry.Find("office"));
    }

    [Fact]
    public async Task Play_from_outside_the_play_rules_fails_even_for_a_live_stream()
    {
        await using var publisher = new SessionHarness();
        await publisher.Client.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await publisher.Client.PublishAsync("key-cam1")).Code);
        await using var player = new SessionHarness(registry: publisher.Registry, sink: publisher.Sink,
            access: new AccessOptions { Play = { Deny = ["203.0.113.0/24"] } }, remoteIp: Outsider, players: Players());

        var code = await PlayAsync(player, "cam1");

        Assert.Equal(RtmpStatusCodes.PlayFailed, code);
        Assert.True(await player.Client.WaitForCloseAsync(Wait));
        Assert.Contains(player.Logger.Lines, l => l.Contains("not allowed to play"));
    }

    [Fact]
    public async Task Play_of_a_name_that_is_not_live_is_StreamNotFound()
    {
        await using var player = new SessionHarness(remoteIp: Outsider, players: Players());

        var code = await PlayAsync(player, "cam1");

        Assert.Equal(RtmpStatusCodes.PlayStreamNotFound, code);
        Assert.True(await player.Client.WaitForCloseAsync(Wait));
    }

    [Fact]
    public async Task Play_of_a_live_stream_by_its_public_name_starts()
    {
        await using var publisher = new SessionHarness();
        await publisher.Client.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await publisher.Client.PublishAsync("key-cam1")).Code);
        await using var player = new SessionHarness(registry: publisher.Registry, sink: publisher.Sink, remoteIp: Outsider, players: Players());

        var code = await PlayAsync(player, "cam1");

        Assert.Equal(RtmpStatusCodes.PlayReset, code);
        Assert.NotNull(player.Session.Player);
    }

    private static PlayerRegistry Players() => new(TimeProvider.System, NullLogger<PlayerRegistry>.Instance);

    /// <summary>connect, createStream, play(name): the code of the first onStatus that answers play.</summary>
    private static async Task<string?> PlayAsync(SessionHarness h, string name)
    {
        await h.Client.HandshakeAsync();
        Assert.NotNull(await h.Client.ConnectAppAsync());
        await h.Client.SendCommandAsync(0, CommandNames.CreateStream, 2, [null]);
        var created = await h.Client.ReadCommandAsync(Wait);
        Assert.Equal(CommandNames.Result, created?.Name);
        var streamId = (uint)created!.NumberArgument(0)!.Value;
        await h.Client.SendCommandAsync(streamId, CommandNames.Play, 3, null, name);
        while (await h.Client.ReadCommandAsync(Wait) is { } command)
        {
            if (command.Name == CommandNames.OnStatus)
            {
                return (command.Arguments[0] as AmfObject)?.GetString("code");
            }
        }
        return null;
    }
}
