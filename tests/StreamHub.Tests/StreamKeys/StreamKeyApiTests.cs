using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>Every call of the stream key API and every error it can give, through the real HTTP pipeline on a real
/// socket, on each database provider.</summary>
public abstract class StreamKeyApiTests(StreamHubHost host)
{
    private readonly StreamHubHost _host = host;

    public sealed class OnSqlite(SharedHostFixture fixture) : StreamKeyApiTests(fixture.Host), IClassFixture<SharedHostFixture>;

    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresHostFixture fixture) : StreamKeyApiTests(fixture.Host), IClassFixture<PostgresHostFixture>;

    [Fact]
    public async Task Create_returns_201_with_a_urlsafe_key_of_at_least_128_bits_and_a_location()
    {
        using var client = _host.CreateHttpClient();
        var name = UniqueNames.Stream();
        var response = await client.PostAsJsonAsync("/api/streams", new { name, description = "main camera" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/streams/{name}", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal("main camera", body.GetProperty("description").GetString());
        Assert.Equal("live", body.GetProperty("application").GetString());
        Assert.Equal($"/hls/{name}/index.m3u8", body.GetProperty("playbackUrl").GetString());
        var key = body.GetProperty("key").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]+$", key);
        Assert.True(key.Length * 6 >= 128, $"key '{key.Length}' chars carries fewer than 128 bits");
        Assert.DoesNotContain(key, body.GetProperty("playbackUrl").GetString()!);
    }

    [Fact]
    public async Task Two_creates_give_different_keys()
    {
        using var client = _host.CreateHttpClient();
        var first = await CreateAsync(client, UniqueNames.Stream());
        var second = await CreateAsync(client, UniqueNames.Stream());
        Assert.NotEqual(first.Key, second.Key);
    }

    [Fact]
    public async Task Create_with_a_name_in_use_is_409_problem()
    {
        using var client = _host.CreateHttpClient();
        var name = UniqueNames.Stream();
        await CreateAsync(client, name);

        var response = await client.PostAsJsonAsync("/api/streams", new { name });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        Assert.Contains(name, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{\"name\":\"Has-Upper\"}", "name")]
    [InlineData("{\"name\":\"has space\"}", "name")]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"a/b\"}", "name")]
    [InlineData("{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "name")]
    [InlineData("{\"name\":\"ok-name\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}", "expiresAt")]
    [InlineData("{\"name\":\"ok-name\",\"expiresAt\":\"next tuesday\"}", "expiresAt")]
    [InlineData("{\"name\":42}", "name")]
    [InlineData("{\"name\":\"ok-name\" \"description\":1}", "body")]
    [InlineData("not json", "body")]
    [InlineData("{\"name\":\"ok-name\",\"hlsContainer\":\"mp4\"}", "hlsContainer")]
    [InlineData("{\"name\":\"ok-name\",\"hlsContainer\":\"default\"}", "hlsContainer")]
    [InlineData("{\"name\":\"ok-name\",\"hlsLowLatency\":\"yes\"}", "hlsLowLatency")]
    public async Task Create_with_a_bad_field_is_400_naming_that_field(string json, string field)
    {
        using var client = _host.CreateHttpClient();
        var response = await client.PostAsync("/api/streams", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }

    [Fact]
    public async Task Create_with_a_description_over_256_characters_is_400_on_description()
    {
        using var client = _host.CreateHttpClient();
        var response = await client.PostAsJsonAsync("/api/streams", new { name = UniqueNames.Stream(), description = new string('x', 257) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty("description", out _));
    }

    [Fact]
    public async Task Create_accepts_a_future_expiry_and_shows_it()
    {
        using var client = _host.CreateHttpClient();
        var expires = DateTimeOffset.UtcNow.AddDays(3);
        var name = UniqueNames.Stream();
        var response = await client.PostAsJsonAsync("/api/streams", new { name, expiresAt = expires });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var got = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
        Assert.Equal(expires.ToUnixTimeMilliseconds(), got.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.False(got.GetProperty("expired").GetBoolean());
    }

    [Fact]
    public async Task An_expiry_given_with_an_offset_is_kept_as_the_same_instant_on_create_and_on_patch()
    {
        using var client = _host.CreateHttpClient();
        var name = UniqueNames.Stream();
        var expires = new DateTimeOffset(DateTime.UtcNow.AddDays(2).Ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(2));
        var created = await client.PostAsJsonAsync("/api/streams", new { name, expiresAt = expires });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var got = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
        Assert.Equal(expires.ToUnixTimeMilliseconds(), got.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeMilliseconds());

        var later = expires.AddHours(5).ToOffset(TimeSpan.FromHours(-7));
        var patched = await client.PatchAsJsonAsync($"/api/streams/{name}", new { expiresAt = later });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        got = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
        Assert.Equal(later.ToUnixTimeMilliseconds(), got.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Create_with_publisher_networks_stores_them_normalised_and_rejects_a_bad_one_by_field()
    {
        using var client = _host.CreateHttpClient();
        var name = UniqueNames.Stream();
        var created = await client.PostAsJsonAsync("/api/streams", new { name, allowedPublishers = new[] { "10.0.0.0/8", "2001:db8::1" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["10.0.0.0/8", "2001:db8::1/128"], body.GetProperty("allowedPublishers").EnumerateArray().Select(e => e.GetString()));

        var bad = await client.PostAsJsonAsync("/api/streams", new { name = UniqueNames.Stream(), allowedPublishers = new[] { "10.0.0.0/8", "not-a-network" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await ReadProblemAsync(bad);
        Assert.Contains("not-a-network", problem.GetProperty("errors").GetProperty("allowedPublishers")[0].GetString());
    }

    [Fact]
    public async Task Patch_changes_description_expiry_and_publisher_networks_and_never_the_key()
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());
        var expires = DateTimeOffset.UtcNow.AddDays(1);

        var patched = await client.PatchAsJsonAsync($"/api/streams/{created.Name}",
            new { description = "studio B", expiresAt = expires, allowedPublishers = new[] { "192.0.2.0/24" } });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var text = await patched.Content.ReadAsStringAsync();
        Assert.DoesNotContain(created.Key, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("studio B", body.GetProperty("description").GetString());
        Assert.Equal(expires.ToUnixTimeMilliseconds(), body.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(["192.0.2.0/24"], body.GetProperty("allowedPublishers").EnumerateArray().Select(e => e.GetString()));

        var cleared = await client.PatchAsJsonAsync($"/api/streams/{created.Name}", new { clearExpiry = true, allowedPublishers = Array.Empty<string>() });
        var after = await cleared.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, after.GetProperty("expiresAt").ValueKind);
        Assert.Equal(0, after.GetProperty("allowedPublishers").GetArrayLength());
        Assert.Equal("studio B", after.GetProperty("description").GetString());
        var authorizer = _host.GetService<IStreamKeyAuthorizer>();
        Assert.Equal(PublishVerdict.Allowed, (await authorizer.AuthorizePublishAsync(created.Key, default)).Verdict);
    }

    [Theory]
    [InlineData("{\"expiresAt\":\"yesterday\"}", "expiresAt")]
    [InlineData("{\"allowedPublishers\":[\"300.1.1.1\"]}", "allowedPublishers")]
    [InlineData("{\"expiresAt\":\"2099-01-01T00:00:00Z\",\"clearExpiry\":true}", "clearExpiry")]
    [InlineData("{\"hlsContainer\":\"webm\"}", "hlsContainer")]
    [InlineData("{\"hlsLowLatency\":true,\"clearHlsLowLatency\":true}", "clearHlsLowLatency")]
    public async Task Patch_with_a_bad_field_is_400_naming_it(string json, string field)
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());
        var response = await client.PatchAsync($"/api/streams/{created.Name}", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ReadProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Hls_settings_are_set_on_create_changed_and_reset_by_patch_and_shown_in_get()
    {
        using var client = _host.CreateHttpClient();
        var name = UniqueNames.Stream();
        var created = await client.PostAsJsonAsync("/api/streams", new { name, hlsContainer = "TS", hlsLowLatency = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ts", body.GetProperty("hlsContainer").GetString());
        Assert.False(body.GetProperty("hlsLowLatency").GetBoolean());
        var key = body.GetProperty("key").GetString()!;
        var decision = await _host.GetService<IStreamKeyAuthorizer>().AuthorizePublishAsync(key, default);
        Assert.Equal(new StreamHub.Hls.StreamHlsSettings(StreamHub.Hls.HlsContainer.Ts, false), decision.Hls);

        var got = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
        Assert.Equal("ts", got.GetProperty("hlsContainer").GetString());
        Assert.False(got.GetProperty("hlsLowLatency").GetBoolean());

        var patched = await client.PatchAsJsonAsync($"/api/streams/{name}", new { hlsContainer = "fmp4", hlsLowLatency = true });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var after = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("fmp4", after.GetProperty("hlsContainer").GetString());
        Assert.True(after.GetProperty("hlsLowLatency").GetBoolean());

        // A patch without them leaves them; "default" and clearHlsLowLatency hand them back to the server's settings.
        await client.PatchAsJsonAsync($"/api/streams/{name}", new { description = "x" });
        Assert.Equal("fmp4", (await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("hlsContainer").GetString());
        var reset = await client.PatchAsJsonAsync($"/api/streams/{name}", new { hlsContainer = "default", clearHlsLowLatency = true });
        var resetBody = await reset.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, resetBody.GetProperty("hlsContainer").ValueKind);
        Assert.Equal(JsonValueKind.Null, resetBody.GetProperty("hlsLowLatency").ValueKind);
        Assert.Equal(default, (await _host.GetService<IStreamKeyAuthorizer>().AuthorizePublishAsync(key, default)).Hls);
    }

    [Fact]
    public async Task List_shows_streams_and_never_a_key()
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());

        var response = await client.GetAsync("/api/streams");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = JsonDocument.Parse(text).RootElement;
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("name").GetString() == created.Name);
        Assert.All(list.EnumerateArray(), s => Assert.False(s.TryGetProperty("key", out _)));
        Assert.DoesNotContain(created.Key, text);
    }

    [Fact]
    public async Task Get_shows_one_stream_without_its_key()
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());

        var response = await client.GetAsync($"/api/streams/{created.Name}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.Name, JsonDocument.Parse(text).RootElement.GetProperty("name").GetString());
        Assert.DoesNotContain(created.Key, text);
        Assert.DoesNotContain("\"key\"", text);
    }

    [Theory]
    [InlineData("GET", "/api/streams/no-such-stream")]
    [InlineData("DELETE", "/api/streams/no-such-stream")]
    [InlineData("POST", "/api/streams/no-such-stream/rotate-key")]
    [InlineData("PATCH", "/api/streams/no-such-stream")]
    [InlineData("GET", "/api/streams/NOT_valid")]
    public async Task Unknown_stream_is_404_problem(string method, string path)
    {
        using var client = _host.CreateHttpClient();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "PATCH")
        {
            request.Content = JsonContent.Create(new { description = "x" });
        }
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unknown_route_is_404_problem()
    {
        using var client = _host.CreateHttpClient();
        var response = await client.GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Delete_removes_the_stream_and_its_key_stops_publishing()
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());
        var authorizer = _host.GetService<IStreamKeyAuthorizer>();
        Assert.Equal(PublishVerdict.Allowed, (await authorizer.AuthorizePublishAsync(created.Key, default)).Verdict);

        var response = await client.DeleteAsync($"/api/streams/{created.Name}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/streams/{created.Name}")).StatusCode);
        Assert.Equal(PublishVerdict.UnknownKey, (await authorizer.AuthorizePublishAsync(created.Key, default)).Verdict);
    }

    [Fact]
    public async Task Rotate_issues_a_new_key_and_the_old_one_stops_publishing()
    {
        using var client = _host.CreateHttpClient();
        var created = await CreateAsync(client, UniqueNames.Stream());

        var response = await client.PostAsync($"/api/streams/{created.Name}/rotate-key", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var newKey = body.GetProperty("key").GetString()!;
        Assert.NotEqual(created.Key, newKey);
        var authorizer = _host.GetService<IStreamKeyAuthorizer>();
        Assert.Equal(PublishVerdict.UnknownKey, (await authorizer.AuthorizePublishAsync(created.Key, default)).Verdict);
        var decision = await authorizer.AuthorizePublishAsync(newKey, default);
        Assert.Equal(PublishVerdict.Allowed, decision.Verdict);
        Assert.Equal(created.Name, decision.StreamName);
    }

    [Theory]
    [InlineData("GET", "/api/streams")]
    [InlineData("POST", "/api/streams")]
    [InlineData("GET", "/api/streams/x")]
    [InlineData("DELETE", "/api/streams/x")]
    [InlineData("POST", "/api/streams/x/rotate-key")]
    [InlineData("PATCH", "/api/streams/x")]
    [InlineData("GET", "/api/stats")]
    [InlineData("GET", "/api/diagnostics/ports")]
    public async Task Every_api_call_without_the_admin_key_is_401_problem(string method, string path)
    {
        using var anonymous = _host.CreateHttpClient(withAdminKey: false);
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { name = "x" });
        }
        var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(401, (await ReadProblemAsync(response)).GetProperty("status").GetInt32());

        using var wrong = _host.CreateHttpClient(withAdminKey: false);
        wrong.DefaultRequestHeaders.Add("X-Api-Key", "not-the-key");
        var request2 = new HttpRequestMessage(new HttpMethod(method), path);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(request2)).StatusCode);
    }

    [Fact]
    public async Task Swagger_describes_every_call_and_the_api_key_scheme()
    {
        using var client = _host.CreateHttpClient(withAdminKey: false);
        var json = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var paths = json.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/streams").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/streams").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/streams/{name}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/streams/{name}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/api/streams/{name}").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/api/streams/{name}/rotate-key").TryGetProperty("post", out _));
        foreach (var (path, method) in new[] { ("/api/streams/{name}/rotate-key", "post"), ("/api/streams/{name}", "patch") })
        {
            var disconnect = paths.GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray()
                .Single(p => p.GetProperty("name").GetString() == "disconnect");
            Assert.Equal("query", disconnect.GetProperty("in").GetString());
            Assert.False(disconnect.TryGetProperty("required", out var required) && required.GetBoolean());
            Assert.Contains("disconnected", disconnect.GetProperty("description").GetString());
        }
        var scheme = json.GetProperty("components").GetProperty("securitySchemes").GetProperty("AdminApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.True(json.TryGetProperty("security", out _));

        // The viewers and players of a stream are documented field by field.
        var schemas = json.GetProperty("components").GetProperty("schemas");
        Assert.Contains("RTMP players connected now", schemas.GetProperty("ViewerCounts").GetProperty("properties").GetProperty("rtmp").GetProperty("description").GetString());
        Assert.Contains("HTTP-FLV players", schemas.GetProperty("ViewerCounts").GetProperty("properties").GetProperty("httpFlv").GetProperty("description").GetString());
        Assert.Contains("behind", schemas.GetProperty("PlayerStats").GetProperty("properties").GetProperty("framesDropped").GetProperty("description").GetString());
        Assert.True(schemas.GetProperty("StreamResponse").GetProperty("properties").TryGetProperty("viewers", out _));

        var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task Health_and_readiness_answer()
    {
        using var client = _host.CreateHttpClient(withAdminKey: false);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(3, ready.GetProperty("listeners").GetArrayLength());
        Assert.All(ready.GetProperty("listeners").EnumerateArray(), l => Assert.Equal("bound", l.GetProperty("state").GetString()));
    }

    internal static async Task<(string Name, string Key)> CreateAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (name, body.GetProperty("key").GetString()!);
    }

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
