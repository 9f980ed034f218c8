using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Hls;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Publishes frames to an <see cref="HlsPackager"/> through a real <see cref="LiveStreamRegistry"/>, as RTMP
/// ingest will, and writes what the packager serves to a folder for ffmpeg.</summary>
public sealed class TestPublisher : IDisposable
{
    private readonly List<string> _folders = [];

    public TestPublisher(HlsOptions? options = null, TimeProvider? time = null, HlsPackager? packager = null)
    {
        Options = options ?? new HlsOptions { WindowSegments = 100, Container = HlsContainer.Ts };
        Time = time ?? TimeProvider.System;
        Packager = packager ?? new HlsPackager(Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<HlsPackager>.Instance);
        Registry = new LiveStreamRegistry([Packager], Time);
    }

    public HlsOptions Options { get; }
    public TimeProvider Time { get; }
    public HlsPackager Packager { get; }
    public LiveStreamRegistry Registry { get; }

    public LiveStream Begin(string name, StreamHlsSettings hls = default)
    {
        Assert.True(Registry.TryBeginPublish(name, new PublisherInfo("test-connection", "127.0.0.1:50000", "test") { Hls = hls }, out var stream));
        return stream;
    }

    /// <summary>Hands each frame to the stream, then releases the caller's reference (the publisher's contract).</summary>
    public static void Write(LiveStream stream, IEnumerable<MediaFrame> frames)
    {
        foreach (var frame in frames)
        {
            stream.Write(frame);
            frame.Release();
        }
    }

    public void Publish(string name, string flvPath, Func<MediaFrame, bool>? keep = null)
    {
        var stream = Begin(name);
        var frames = FlvFrameReader.ReadFrames(flvPath);
        if (keep is not null)
        {
            foreach (var dropped in frames.Where(f => !keep(f)))
            {
                dropped.Release();
            }
            frames = frames.Where(keep).ToList();
        }
        Write(stream, frames);
        Registry.EndPublish(stream);
    }

    public PlaylistSnapshot Snapshot(string name)
    {
        Assert.True(Packager.TryGetSnapshot(name, out var snapshot), $"no HLS stream {name}");
        return snapshot;
    }

    /// <summary>Writes index.m3u8 and every fetchable segment to a new temp folder; returns the playlist path.</summary>
    public string WriteToDisk(string name)
    {
        var snapshot = Snapshot(name);
        var folder = Directory.CreateTempSubdirectory("streamhub-hls-out-").FullName;
        _folders.Add(folder);
        File.WriteAllBytes(Path.Combine(folder, "index.m3u8"), snapshot.Playlist.ToArray());
        foreach (var segment in snapshot.Segments)
        {
            File.WriteAllBytes(Path.Combine(folder, segment.Entry.Uri), segment.Data.ToArray());
        }
        return Path.Combine(folder, "index.m3u8");
    }

    public void Dispose()
    {
        Packager.Dispose();
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
