namespace StreamHub.Tests.Infrastructure;

/// <summary>A ramfs mounted on a temporary folder: a real filesystem that refuses O_DIRECT (tmpfs takes it since
/// Linux 6.6, so /dev/shm no longer does). Mounting needs root (CAP_SYS_ADMIN), as the tests run in CI.</summary>
public sealed class RamFs : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private RamFs(string path) => Path = path;

    public string Path { get; }

    public static async Task<RamFs> MountAsync()
    {
        var path = Directory.CreateTempSubdirectory("streamhub-ramfs-").FullName;
        var mount = await ExternalProcess.RunAsync("mount", ["-t", "ramfs", "ramfs", path], Limit);
        Assert.True(mount.ExitCode == 0, $"mount -t ramfs (needs root): {mount.StandardError}");
        return new RamFs(path);
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalProcess.RunAsync("umount", [Path], Limit);
        Directory.Delete(Path, recursive: true);
    }
}
