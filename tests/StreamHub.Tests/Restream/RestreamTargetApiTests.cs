using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StreamHub.Restream;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary>The restream target API through the real HTTP pipeline on a real socket: create, list, get, change,
/// delete, every bad field named, state merged from the pusher, keys never returned; on each database provider.</summary>
public abstract class RestreamTargetApiTests(StreamHubHost host, RecordingRestreamControl control)
{
    private readonly StreamHubHost _host = host;
    private readonly RecordingRestreamControl _control = control;

    public sealed class OnSqlite(RestreamHostFixture fixture)
        : RestreamTargetApiTests(fixture.Host, fixture.Control), IClassFixture<RestreamHostFixture>;

    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresRestreamHostFixture fixture)
        : RestreamTargetApiTests(fixture.Host, fixture.Control), IClassFixture<PostgresRestreamHostFixture>;

    [Fact]
    public async Task Create_youtube_facebook_and_twitch_targets_returns_them_without_keys_split_as_obs_and_ffmpeg_do()
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");

        var youtube = await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
        var facebook = await CreateAsync(client, stream, new { name = "facebook", url = "rtmps://live-api-s.facebook.com:443/rtmp/", key = "FB-1234567890-0-AbCdEfGh", enabled = false });
        var twitch = await CreateAsync(client, stream, new { name = "twitch", url = "rtmp://live.twitch.tv/app", key = "live_123456789_XyZw?bandwidthtest=true" });
        var full = await CreateAsync(client, stream, new { name = "twitch-full", url = "rtmp://live.twitch.tv/app/live_987654321_QrSt?bandwidthtest=true" });

        AssertTarget(youtube, "youtube", "rtmp://a.rtmp.youtube.com/live2", "rtmp", "a.rtmp.youtube.com", 1935, "live2", "…mnop", enabled: true);
        AssertTarget(facebook, "facebook", "rtmps://live-api-s.facebook.com/rtmp", "rtmps", "live-api-s.facebook.com", 443, "rtmp", "…EfGh", enabled: false);
        AssertTarget(twitch, "twitch", "rtmp://live.twitch.tv/app", "rtmp", "live.twitch.tv", 1935, "app", "…XyZw", enabled: true);
        AssertTarget(full, "twitch-full", "rtmp://live.twitch.tv/app", "rtmp", "live.twitch.tv", 1935, "app", "…QrSt", enabled: true);
        Assert.Equal("idle", youtube.GetProperty("state").GetString());
        Assert.Equal("disabled", facebook.GetProperty("state").GetString());
        Assert.False(youtube.GetProperty("allowUntrustedCertificate").GetBoolean());
        Assert.False(youtube.GetProperty("keyUnreadable").GetBoolean());

        // The pusher reads them with their keys in clear, exactly as given or split.
        var forPusher = await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default);
        Assert.Equal(["facebook", "twitch", "twitch-full", "youtube"], forPusher.Select(t => t.Name));
        Assert.Equal("live_987654321_QrSt?bandwidthtest=true", forPusher.Single(t => t.Name == "twitch-full").Key);
        Assert.Equal("live_123456789_XyZw?bandwidthtest=true", forPusher.Single(t => t.Name == "twitch").Key);
        var fb = forPusher.Single(t => t.Name == "facebook");
        Assert.Equal((RestreamScheme.Rtmps, "live-api-s.facebook.com", 443, "rtmp", "FB-1234567890-0-AbCdEfGh", false, stream),
            (fb.Scheme, fb.Host, fb.Port, fb.Application, fb.Key, fb.Enabled, fb.StreamName));
        Assert.DoesNotContain("FB-1234567890", fb.ToString());

        // The list and the stream's GET show the same targets, without keys.
        var list = await client.GetStringAsync($"/api/streams/{stream}/targets");
        var streamGet = await client.GetStringAsync($"/api/streams/{stream}");
        var streams = await client.GetStringAsync("/api/streams");
        foreach (var body in new[] { list, streamGet, streams })
        {
            Assert.DoesNotContain("abcd-efgh-ijkl-mnop", body);
            Assert.DoesNotContain("FB-1234567890", body);
            Assert.DoesNotContain("live_123456789", body);
            Assert.DoesNotContain("live_987654321", body);
        }
        var listed = JsonDocument.Parse(list).RootElement;
        Assert.Equal(["facebook", "twitch", "twitch-full", "youtube"], listed.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var inStream = JsonDocument.Parse(streamGet).RootElement.GetProperty("targets");
        Assert.Equal(4, inStream.GetArrayLength());
        Assert.Equal("rtmps://live-api-s.facebook.com/rtmp", inStream[0].GetProperty("url").GetString());
        var inList = JsonDocument.Parse(streams).RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == stream);
        Assert.Equal(4, inList.GetProperty("targets").GetArrayLength());
        Assert.Contains(stream, _control.Changed);
    }

    [Fact]
    public async Task The_pushers_report_is_merged_into_the_list_the_target_and_the_stream()
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
        await CreateAsync(client, stream, new { name = "twitch", url = "rtmp://live.twitch.tv/app", key = "live_123456789_XyZw" });
        var since = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        _control.Report(stream, new TargetStatus("youtube", "a.rtmp.youtube.com", TargetState.Retrying, since, 123_456, 2_500_000, "connection refused", 3));

        var list = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/targets");
        var youtube = list.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "youtube");
        Assert.Equal("retrying", youtube.GetProperty("state").GetString());
        Assert.Equal(since, youtube.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(123_456, youtube.GetProperty("bytesSent").GetInt64());
        Assert.Equal(2_500_000, youtube.GetProperty("bitsPerSecond").GetInt64());
        Assert.Equal("connection refused", youtube.GetProperty("lastError").GetString());
        Assert.Equal(3, youtube.GetProperty("reconnects").GetInt32());
        var twitch = list.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "twitch");
        Assert.Equal("idle", twitch.GetProperty("state").GetString());
        Assert.Equal(0, twitch.GetProperty("reconnects").GetInt32());
        Assert.Equal(JsonValueKind.Null, twitch.GetProperty("lastError").ValueKind);

        var one = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/targets/youtube");
        Assert.Equal("retrying", one.GetProperty("state").GetString());
        var streamGet = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}");
        Assert.Equal("retrying", streamGet.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "youtube").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Patch_changes_each_field_tells_the_pusher_and_keeps_the_key_unless_given()
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
        var store = _host.GetService<IRestreamTargetStore>();
        var changesBefore = _control.Changed.Count(s => s == stream);

        var disabled = await PatchAsync(client, $"/api/streams/{stream}/targets/youtube", new { enabled = false });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        var body = await disabled.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("enabled").GetBoolean());
        Assert.Equal("disabled", body.GetProperty("state").GetString());
        Assert.False((await store.ForStreamAsync(stream, default)).Single().Enabled);

        var moved = await (await PatchAsync(client, $"/api/streams/{stream}/targets/youtube",
            new { url = "rtmps://a.rtmps.youtube.com/live2", allowUntrustedCertificate = true, enabled = true, name = "yt" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("yt", moved.GetProperty("name").GetString());
        Assert.Equal("rtmps://a.rtmps.youtube.com/live2", moved.GetProperty("url").GetString());
        Assert.True(moved.GetProperty("allowUntrustedCertificate").GetBoolean());
        var target = (await store.ForStreamAsync(stream, default)).Single();
        Assert.Equal(("yt", RestreamScheme.Rtmps, 443, "abcd-efgh-ijkl-mnop", true, true),
            (target.Name, target.Scheme, target.Port, target.Key, target.Enabled, target.AllowUntrustedCertificate));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/streams/{stream}/targets/youtube")).StatusCode);

        var rekeyed = await (await PatchAsync(client, $"/api/streams/{stream}/targets/yt", new { key = "new-key-0000-wxyz" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("…wxyz", rekeyed.GetProperty("keyHint").GetString());
        Assert.Equal("new-key-0000-wxyz", (await store.ForStreamAsync(stream, default)).Single().Key);
        Assert.Equal(changesBefore + 3, _control.Changed.Count(s => s == stream));
    }

    [Fact]
    public async Task Delete_removes_the_target_and_deleting_the_stream_removes_its_targets()
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
        await CreateAsync(client, stream, new { name = "twitch", url = "rtmp://live.twitch.tv/app", key = "live_123456789_XyZw" });
        var changesBefore = _control.Changed.Count(s => s == stream);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/streams/{stream}/targets/youtube")).StatusCode);
        var again = await client.DeleteAsync($"/api/streams/{stream}/targets/youtube");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("target", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(["twitch"], (await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Select(t => t.Name));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/streams/{stream}")).StatusCode);
        Assert.Empty(await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default));
        Assert.Equal(changesBefore + 2, _control.Changed.Count(s => s == stream));

        // A new stream of the same name starts with no targets: the old one's went with it, in the database.
        await client.PostAsJsonAsync("/api/streams", new { name = stream });
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/targets")).GetArrayLength());
    }

    [Theory]
    [InlineData("{\"name\":\"yt\",\"url\":\"http://a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"url\":\"a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp:///live2\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://host:70000/live2\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://host:0/live2\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"key\":\"k-123\"}", "url")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"\"}", "key")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"   \"}", "key")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\"}", "key")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"has space\"}", "key")]
    [InlineData("{\"name\":\"\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "name")]
    [InlineData("{\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "name")]
    [InlineData("{\"name\":\"YouTube!\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "name")]
    [InlineData("{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"k-123\"}", "name")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://a.rtmp.youtube.com/live2\",\"key\":\"k-123\",\"enabled\":\"yes\"}", "enabled")]
    [InlineData("{\"name\":\"yt\",\"url\":\"rtmp://live.twitch.tv/app/live_42_AbCd\",\"key\":\"live_42_AbCd\"}", "url")]
    [InlineData("not json", "body")]
    public async Task Create_with_a_bad_field_is_400_naming_that_field(string json, string field)
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        var response = await client.PostAsync($"/api/streams/{stream}/targets", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Empty(await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default));
    }

    [Theory]
    [InlineData("{\"url\":\"srt://host/live\"}", "url")]
    [InlineData("{\"key\":\"\"}", "key")]
    [InlineData("{\"name\":\"Bad Name\"}", "name")]
    [InlineData("{\"enabled\":3}", "enabled")]
    [InlineData("{\"url\":\"rtmp://live.twitch.tv/app/live_42_AbCd\",\"key\":\"live_42_AbCd\"}", "url")]
    public async Task Patch_with_a_bad_field_is_400_naming_that_field_and_changes_nothing(string json, string field)
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });

        var response = await client.PatchAsync($"/api/streams/{stream}/targets/youtube", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        var target = (await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Single();
        Assert.Equal(("youtube", "a.rtmp.youtube.com", "abcd-efgh-ijkl-mnop", true), (target.Name, target.Host, target.Key, target.Enabled));
    }

    [Fact]
    public async Task A_duplicate_name_is_409_naming_the_field_on_create_and_on_rename()
    {
        using var client = _host.CreateHttpClient();
        var (stream, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, stream, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
        await CreateAsync(client, stream, new { name = "twitch", url = "rtmp://live.twitch.tv/app", key = "live_123456789_XyZw" });

        var duplicate = await client.PostAsJsonAsync($"/api/streams/{stream}/targets", new { name = "youtube", url = "rtmp://b.rtmp.youtube.com/live2", key = "other-key-1234" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var problem = await duplicate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("name", problem.GetProperty("field").GetString());
        Assert.Contains("youtube", problem.GetProperty("detail").GetString());

        var rename = await PatchAsync(client, $"/api/streams/{stream}/targets/twitch", new { name = "youtube" });
        Assert.Equal(HttpStatusCode.Conflict, rename.StatusCode);
        Assert.Equal("name", (await rename.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());

        // The same name on another stream is fine.
        var (other, _) = await _host.CreateStreamAsync("rs");
        await CreateAsync(client, other, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" });
    }

    [Fact]
    public async Task An_unknown_stream_is_404_naming_the_stream_on_every_call()
    {
        using var client = _host.CreateHttpClient();
        var path = $"/api/streams/{UniqueNames.Stream("nostream")}/targets";
        var responses = new[]
        {
            await client.PostAsJsonAsync(path, new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" }),
            await client.GetAsync(path),
            await client.GetAsync(path + "/youtube"),
            await PatchAsync(client, path + "/youtube", new { enabled = false }),
            await client.DeleteAsync(path + "/youtube"),
        };
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("No such stream", problem.GetProperty("title").GetString());
            Assert.Equal("name", problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Without_the_admin_key_every_call_is_401()
    {
        using var client = _host.CreateHttpClient(withAdminKey: false);
        var (stream, _) = await _host.CreateStreamAsync("rs");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/streams/{stream}/targets")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync($"/api/streams/{stream}/targets",
            new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = "abcd-efgh-ijkl-mnop" })).StatusCode);
        Assert.Empty(await _host.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default));
    }

    [Fact]
    public async Task Swagger_documents_the_restream_calls_under_their_tag()
    {
        using var client = _host.CreateHttpClient();
        var swagger = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var paths = swagger.GetProperty("paths");
        var collection = paths.GetProperty("/api/streams/{name}/targets");
        var item = paths.GetProperty("/api/streams/{name}/targets/{target}");
        Assert.Equal("Restream", collection.GetProperty("post").GetProperty("tags")[0].GetString());
        Assert.True(collection.TryGetProperty("get", out _));
        Assert.True(item.TryGetProperty("patch", out _));
        Assert.True(item.TryGetProperty("delete", out _));
        var schemas = swagger.GetProperty("components").GetProperty("schemas");
        Assert.Contains("Stored encrypted", schemas.GetProperty(nameof(CreateRestreamTargetRequest)).GetProperty("properties").GetProperty("key").GetProperty("description").GetString());
        Assert.False(schemas.GetProperty(nameof(RestreamTargetResponse)).GetProperty("properties").TryGetProperty("key", out _));
    }

    private static void AssertTarget(JsonElement target, string name, string url, string scheme, string host, int port, string application,
        string keyHint, bool enabled)
    {
        Assert.Equal(name, target.GetProperty("name").GetString());
        Assert.Equal(url, target.GetProperty("url").GetString());
        Assert.Equal(scheme, target.GetProperty("scheme").GetString());
        Assert.Equal(host, target.GetProperty("host").GetString());
        Assert.Equal(port, target.GetProperty("port").GetInt32());
        Assert.Equal(application, target.GetProperty("application").GetString());
        Assert.Equal(keyHint, target.GetProperty("keyHint").GetString());
        Assert.Equal(enabled, target.GetProperty("enabled").GetBoolean());
        Assert.False(target.TryGetProperty("key", out _));
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string stream, object body)
    {
        var response = await client.PostAsJsonAsync($"/api/streams/{stream}/targets", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/streams/{stream}/targets/{created.GetProperty("name").GetString()}", response.Headers.Location?.OriginalString);
        return created;
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string path, object body) =>
        client.PatchAsync(path, JsonContent.Create(body));
}
