using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Restream;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary>The key ring in the data directory: it survives a restart, and losing it makes the stored keys unreadable,
/// which the API reports (and a new key repairs) instead of failing.</summary>
public sealed class RestreamKeyRingTests
{
    private const string Key = "abcd-efgh-ijkl-mnop-qrst";

    // The key ring in the data directory, which SQLite keeps beside its file (PostgreSQL keeps it in the database).
    private static readonly Dictionary<string, string?> OnSqlite = new() { ["StreamHub:Database:Provider"] = "Sqlite" };

    [Fact]
    public async Task Keys_stay_readable_across_a_restart_and_a_lost_key_ring_asks_for_the_key_again()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("streamhub-keyring-").FullName;
        string stream;
        await using (var first = StreamHubHost.Start(OnSqlite, dataDirectory: dataDirectory))
        {
            (stream, _) = await first.CreateStreamAsync("ring");
            using var client = first.CreateHttpClient();
            var created = await client.PostAsJsonAsync($"/api/streams/{stream}/targets", new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = Key });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var keyRing = Path.Combine(dataDirectory, RestreamTargetExtensions.KeyRingFolder);
        Assert.NotEmpty(Directory.GetFiles(keyRing, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keyRing));
        }

        await using (var restarted = StreamHubHost.Start(OnSqlite, dataDirectory: dataDirectory))
        {
            Assert.Equal(Key, (await restarted.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Single().Key);
        }

        Directory.Delete(keyRing, recursive: true);
        await using var afterLoss = StreamHubHost.Start(OnSqlite, dataDirectory: dataDirectory);
        using var http = afterLoss.CreateHttpClient();
        var target = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/targets/youtube");
        Assert.True(target.GetProperty("keyUnreadable").GetBoolean());
        Assert.Equal("failed", target.GetProperty("state").GetString());
        Assert.Contains("enter the key again", target.GetProperty("lastError").GetString());
        var streamGet = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}");
        Assert.True(streamGet.GetProperty("targets")[0].GetProperty("keyUnreadable").GetBoolean());
        // Nothing to send: the pusher does not get it.
        Assert.Empty(await afterLoss.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default));

        var repaired = await http.PatchAsync($"/api/streams/{stream}/targets/youtube", JsonContent.Create(new { key = Key + "-new" }));
        Assert.Equal(HttpStatusCode.OK, repaired.StatusCode);
        var body = await repaired.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("keyUnreadable").GetBoolean());
        Assert.Equal("idle", body.GetProperty("state").GetString());
        Assert.Equal(Key + "-new", (await afterLoss.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Single().Key);
    }
}
