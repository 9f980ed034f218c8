using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The recordings API and the recording files over real HTTP: listing, per-stream switch, range downloads
/// (HttpClient and curl), signed links, the HLS VOD playlist read by ffmpeg, deletion.</summary>
public sealed class RecordingApiTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_list_shows_the_recording_and_downloads_need_the_key_or_a_signed_link_and_honour_ranges()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-api");
        await fixture.PublishAsync(key, seconds: 6);
        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var path = Assert.Single(files).FullName;
        var bytes = await File.ReadAllBytesAsync(path);
        using var admin = host.CreateHttpClient();
        using var anonymous = host.CreateHttpClient(withAdminKey: false);

        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.Equal("idle", list.GetProperty("state").GetString());
        Assert.True(list.GetProperty("enabled").GetBoolean());
        var recording = Assert.Single(list.GetProperty("recordings").EnumerateArray().ToList());
        var id = recording.GetProperty("id").GetString()!;
        Assert.Equal(Path.GetFileName(path), id);
        Assert.InRange(recording.GetProperty("durationSeconds").GetDouble(), 5.5, 6.5);
        Assert.Equal(bytes.Length, recording.GetProperty("bytes").GetInt64());
        Assert.Equal(["h264", "aac"], recording.GetProperty("codecs").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.False(recording.GetProperty("inProgress").GetBoolean());
        var url = recording.GetProperty("url").GetString()!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/streams/{name}/recordings")).StatusCode);
        Assert.Equal(bytes, await admin.GetByteArrayAsync(url));

        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1000, 1999);
        using var partial = await admin.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 1000-1999/{bytes.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[1000..2000], await partial.Content.ReadAsByteArrayAsync());

        var link = await (await admin.PostAsJsonAsync($"/api/streams/{name}/recordings/{id}/links", new { expiresInSeconds = 600 }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var signed = link.GetProperty("url").GetString()!;
        Assert.Equal(bytes, await anonymous.GetByteArrayAsync(signed));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(signed[..^1] + (signed[^1] == 'A' ? 'B' : 'A'))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(signed.Replace("expires=", "expires=1"))).StatusCode);

        // curl, a real client, fetches a byte range through the signed link.
        var curl = ExternalProcess.Require("curl", "curl");
        var tail = await ExternalProcess.RunAsync(curl, ["-s", "-f", "-r", $"{bytes.Length - 500}-", "-o", "-", "-w", "%{http_code}",
            $"http://127.0.0.1:{host.HttpPort}{signed}"], Limit);
        Assert.Equal(0, tail.ExitCode);
        Assert.EndsWith("206", tail.StandardOutput);

        var tooLong = await admin.PostAsJsonAsync($"/api/streams/{name}/recordings/{id}/links", new { expiresInSeconds = 10 });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("expiresInSeconds", await tooLong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_hls_vod_playlist_is_byte_ranges_over_the_file_and_ffmpeg_decodes_all_of_it_through_a_signed_link()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-vod");
        var published = RecordingProbe.PublishedFrames((await fixture.PublishAsync(key, seconds: 8)).StandardError);
        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var id = Assert.Single(files).Name;
        using var admin = host.CreateHttpClient();
        var link = await (await admin.PostAsJsonAsync($"/api/streams/{name}/recordings/{id}/links", new { }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var playlistUrl = $"http://127.0.0.1:{host.HttpPort}{link.GetProperty("playlistUrl").GetString()}";

        using var anonymous = host.CreateHttpClient(withAdminKey: false);
        var playlist = await anonymous.GetStringAsync(playlistUrl);
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:VOD", playlist);
        Assert.Contains("#EXT-X-ENDLIST", playlist);
        Assert.Contains("#EXT-X-MAP:URI=\"" + id + "?expires=", playlist);
        Assert.True(playlist.Split("#EXT-X-BYTERANGE:").Length - 1 >= 3, playlist);

        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var decode = await ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", playlistUrl,
            "-map", "0:v:0", "-f", "framemd5", "-"], Limit);
        Assert.True(decode.ExitCode == 0 && decode.StandardError.Trim().Length == 0, decode.Output);
        Assert.Equal(published, decode.StandardOutput.Split('\n').Count(l => l.Length > 0 && l[0] != '#'));
    }

    [Fact]
    public async Task A_stream_switched_off_is_not_recorded_and_a_bad_limit_is_a_problem_naming_the_field()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-off");
        using var admin = host.CreateHttpClient();

        var bad = await admin.PutAsJsonAsync($"/api/streams/{name}/recording", new { enabled = true, maxMegabytes = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("maxMegabytes", await bad.Content.ReadAsStringAsync());
        var off = await admin.PutAsJsonAsync($"/api/streams/{name}/recording", new { enabled = false });
        off.EnsureSuccessStatusCode();
        var settings = await off.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(settings.GetProperty("enabled").GetBoolean());
        Assert.False(settings.GetProperty("setting").GetBoolean());

        await fixture.PublishAsync(key, seconds: 3);

        Assert.Empty(host.GetService<StreamHub.Recording.RecordingStore>().Files(name));
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.Equal(0, list.GetProperty("recordings").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/streams/no-such-stream-here/recordings")).StatusCode);
    }

    [Fact]
    public async Task A_deleted_recording_is_gone_from_the_list_and_the_disk()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-del");
        await fixture.PublishAsync(key, seconds: 2);
        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var file = Assert.Single(files);
        using var admin = host.CreateHttpClient();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/streams/{name}/recordings/{file.Name}")).StatusCode);

        Assert.False(File.Exists(file.FullName));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/streams/{name}/recordings/{file.Name}")).StatusCode);
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.Equal(0, list.GetProperty("recordings").GetArrayLength());
        Assert.Equal(0, list.GetProperty("totalBytes").GetInt64());
    }

    [Fact]
    public async Task A_stream_created_again_after_a_delete_does_not_inherit_the_deleted_streams_recording_setting()
    {
        var host = fixture.Host;
        var (name, _) = await host.CreateStreamAsync("rec-gone");
        using var admin = host.CreateHttpClient();
        (await admin.PutAsJsonAsync($"/api/streams/{name}/recording", new { enabled = false, maxMegabytes = 3 })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/streams/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/streams", new { name })).StatusCode);

        // The new stream has no settings of its own, so the server-wide setting (on in this fixture) applies.
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.True(list.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("setting").ValueKind);
        Assert.Equal(JsonValueKind.Null, list.GetProperty("maxMegabytes").ValueKind);
    }
}
