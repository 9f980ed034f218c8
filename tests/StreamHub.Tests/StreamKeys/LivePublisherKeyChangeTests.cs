using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Rtmp.Commands;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;

namespace StreamHub.Tests.StreamKeys;

/// <summary>What a key change does to the publisher that is live with the old key: rotating the key, or a PATCH after
/// which the key would refuse it (publisher networks that leave its address out, an expiry already past), disconnects
/// it unless <c>disconnect=false</c>, and the server's log says which. Over real sockets, against the server process,
/// on each database provider.</summary>
public abstract class LivePublisherKeyChangeTests
{
    /// <summary>The database settings of a fresh server (none: the default SQLite file in its data directory).</summary>
    private protected abstract Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync();

    public sealed class OnSqlite : LivePublisherKeyChangeTests
    {
        private protected override Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());
    }

    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServer postgres) : LivePublisherKeyChangeTests
    {
        private protected override async Task<IReadOnlyDictionary<string, string?>> DatabaseSettingsAsync() => new Dictionary<string, string?>
        {
            ["StreamHub__Database__Provider"] = "Postgres",
            ["StreamHub__Database__ConnectionString"] = await postgres.CreateDatabaseAsync("keychange"),
        };
    }

    private const string Admin = "key-change-admin-key";
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Rotating_the_key_disconnects_the_live_publisher_and_the_new_key_publishes()
    {
        await using var server = await StartAsync();
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "rotated");
        await using var publisher = await PublishAsync(server, key);

        var rotated = await api.PostAsync($"/api/streams/{name}/rotate-key", null);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.True(await publisher.WaitForCloseAsync(CloseWait), "the publisher with the old key is still connected");
        await server.WaitForOutputAsync($"Stream {name} key rotated; the live publisher was disconnected");
        await WaitUntilNotLiveAsync(api, name);

        await using var again = await TestRtmpClient.ConnectAsync(server.RtmpPort);
        await again.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await again.PublishAsync(newKey)).Code);
        await using var old = await TestRtmpClient.ConnectAsync(server.RtmpPort);
        await old.HandshakeAsync();
        Assert.NotEqual(RtmpStatusCodes.PublishStart, (await old.PublishAsync(key)).Code);
    }

    [Fact]
    public async Task Rotating_with_disconnect_false_leaves_the_live_publisher_streaming()
    {
        await using var server = await StartAsync();
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "kept");
        await using var publisher = await PublishAsync(server, key);

        var rotated = await api.PostAsync($"/api/streams/{name}/rotate-key?disconnect=false", null);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        await server.WaitForOutputAsync($"Stream {name} key rotated; the live publisher carries on");
        Assert.False(await publisher.WaitForCloseAsync(TimeSpan.FromSeconds(3)), "the publisher was disconnected although disconnect=false");
        Assert.True((await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean());
    }

    [Fact]
    public async Task Publisher_networks_that_leave_out_the_live_publisher_disconnect_it_and_ones_that_keep_it_do_not()
    {
        await using var server = await StartAsync();
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "fenced");
        await using var publisher = await PublishAsync(server, key);

        var keeps = await api.PatchAsJsonAsync($"/api/streams/{name}", new { allowedPublishers = new[] { "10.0.0.0/8", "127.0.0.0/8" } });
        Assert.Equal(HttpStatusCode.OK, keeps.StatusCode);
        await server.WaitForOutputAsync($"Stream {name} updated\n");
        await Task.Delay(TimeSpan.FromSeconds(1)); // a disconnect ends the publish within milliseconds
        Assert.True((await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean(),
            "a change that still allows the publisher disconnected it");

        var leavesOut = await api.PatchAsJsonAsync($"/api/streams/{name}", new { allowedPublishers = new[] { "10.0.0.0/8" } });

        Assert.Equal(HttpStatusCode.OK, leavesOut.StatusCode);
        Assert.True(await publisher.WaitForCloseAsync(CloseWait), "the publisher outside the new networks is still connected");
        await server.WaitForOutputAsync($"Stream {name} updated; its live publisher was disconnected: its address 127.0.0.1 is no longer among the stream's publisher networks");
    }

    [Fact]
    public async Task An_expiry_already_past_expires_the_key_at_once_and_disconnects_the_live_publisher()
    {
        await using var server = await StartAsync();
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "expired");
        await using var publisher = await PublishAsync(server, key);

        var patched = await api.PatchAsJsonAsync($"/api/streams/{name}", new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.True((await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expired").GetBoolean());
        Assert.True(await publisher.WaitForCloseAsync(CloseWait), "the publisher of an expired key is still connected");
        await server.WaitForOutputAsync($"Stream {name} updated; its live publisher was disconnected: its key has expired");
        await WaitUntilNotLiveAsync(api, name);
        await using var again = await TestRtmpClient.ConnectAsync(server.RtmpPort);
        await again.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishDenied, (await again.PublishAsync(key)).Code);
    }

    [Fact]
    public async Task A_key_that_expires_while_its_publisher_is_live_disconnects_it()
    {
        // This publisher sends nothing after publish: the idle timeout must not be what closes it.
        await using var server = await StartAsync(("StreamHub__Rtmp__IdleTimeoutSeconds", "60"));
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "expiring", DateTimeOffset.UtcNow.AddSeconds(6));
        await using var publisher = await PublishAsync(server, key);

        // The expiry comes 6 s after creation, the check every 2 s: well inside the wait.
        await server.WaitForOutputAsync($"Stream {name} key expired; the live publisher was disconnected", TimeSpan.FromSeconds(30));
        Assert.True(await publisher.WaitForCloseAsync(CloseWait), "the publisher of an expired key is still connected");
    }

    [Fact]
    public async Task An_expiry_set_while_its_publisher_is_live_disconnects_it_when_it_comes()
    {
        await using var server = await StartAsync(("StreamHub__Rtmp__IdleTimeoutSeconds", "60"));
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "expiryset");
        await using var publisher = await PublishAsync(server, key);
        // The watch has checked the live stream against its key as it stood at publish: no expiry.
        await Task.Delay(StreamKeyExpiryWatch.Interval * 1.5);

        var patched = await api.PatchAsJsonAsync($"/api/streams/{name}", new { expiresAt = DateTimeOffset.UtcNow.AddSeconds(3) });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False((await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expired").GetBoolean());
        // Within a check or two of the new expiry: the update made the watch read the store again, rather than at its
        // periodic read (a minute on).
        await server.WaitForOutputAsync($"Stream {name} key expired; the live publisher was disconnected", TimeSpan.FromSeconds(15));
        Assert.True(await publisher.WaitForCloseAsync(CloseWait), "the publisher of an expired key is still connected");
    }

    [Fact]
    public async Task An_expiry_moved_later_while_its_publisher_is_live_keeps_it_past_the_old_one()
    {
        await using var server = await StartAsync(("StreamHub__Rtmp__IdleTimeoutSeconds", "60"));
        using var api = Api(server);
        var oldExpiry = DateTimeOffset.UtcNow.AddSeconds(8);
        var (name, key) = await CreateAsync(api, "expirymoved", oldExpiry);
        await using var publisher = await PublishAsync(server, key);
        // The watch has read the 8 s expiry by now.
        await Task.Delay(StreamKeyExpiryWatch.Interval * 1.5);

        var patched = await api.PatchAsJsonAsync($"/api/streams/{name}", new { expiresAt = DateTimeOffset.UtcNow.AddHours(1) });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        // Two checks past the old expiry, the publisher is still there.
        var pastOldExpiry = oldExpiry + StreamKeyExpiryWatch.Interval * 2 - DateTimeOffset.UtcNow;
        Assert.False(await publisher.WaitForCloseAsync(pastOldExpiry > TimeSpan.Zero ? pastOldExpiry : TimeSpan.Zero),
            "the publisher was disconnected at the key's old expiry");
        Assert.DoesNotContain($"Stream {name} key expired", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_with_disconnect_false_leaves_a_publisher_it_would_refuse_streaming()
    {
        await using var server = await StartAsync();
        using var api = Api(server);
        var (name, key) = await CreateAsync(api, "lenient");
        await using var publisher = await PublishAsync(server, key);

        var patched = await api.PatchAsJsonAsync($"/api/streams/{name}?disconnect=false", new { allowedPublishers = new[] { "10.0.0.0/8" } });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await server.WaitForOutputAsync($"Stream {name} updated; its live publisher carries on (disconnect=false)");
        Assert.False(await publisher.WaitForCloseAsync(TimeSpan.FromSeconds(3)), "the publisher was disconnected although disconnect=false");
    }

    private async Task<StreamHubProcess> StartAsync(params (string Name, string Value)[] extra)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        foreach (var (name, value) in await DatabaseSettingsAsync())
        {
            settings[name] = value;
        }
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }
        var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        return server;
    }

    private static HttpClient Api(StreamHubProcess server)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Admin);
        return client;
    }

    /// <summary>A new stream key, with <paramref name="expiresAt"/> when given.</summary>
    private static async Task<(string Name, string Key)> CreateAsync(HttpClient api, string prefix, DateTimeOffset? expiresAt = null)
    {
        var name = UniqueNames.Stream(prefix);
        var response = await api.PostAsJsonAsync("/api/streams", new { name, expiresAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
    }

    /// <summary>A publisher live on the stream of <paramref name="key"/> (publish accepted).</summary>
    private static async Task<TestRtmpClient> PublishAsync(StreamHubProcess server, string key)
    {
        var client = await TestRtmpClient.ConnectAsync(server.RtmpPort);
        await client.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await client.PublishAsync(key)).Code);
        return client;
    }

    /// <summary>The registry lets go of a stream once its session has ended, a moment after the socket closes.</summary>
    private static async Task WaitUntilNotLiveAsync(HttpClient api, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} is still live");
            await Task.Delay(100);
        }
    }
}
