using System.Buffers.Binary;
using StreamHub.Recording;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The recording file's writes on a real disk: with O_DIRECT (the temporary folder is on ext4 here), every
/// write leaves a valid MP4 (the bytes written, then one <c>free</c> box to a block boundary); on a filesystem that
/// refuses O_DIRECT, buffered.</summary>
public sealed class RecordingFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("streamhub-recfile-").FullName;

    [Fact]
    public void After_every_direct_write_the_file_holds_the_fragments_then_one_free_box_and_the_close_cuts_the_padding_off()
    {
        var random = new Random(17);
        // Ends that leave 0 to 9 bytes of a block (less than a free box header: the padding takes the next block too),
        // fragments larger than any before (the buffer grows), and random ones.
        int[] sizes = [100, 3987, 4096, 4088, 7, 4089, 1, 8191, 100_000, 5, 300_000, .. Enumerable.Range(0, 40).Select(_ => random.Next(1, 70_000))];
        var path = Path.Combine(_root, "direct.mp4");
        var expected = new List<byte>();
        var buffer = new RecordingBuffer();
        using (var file = RecordingFile.CreateNew(path, buffer, out var refused))
        {
            Assert.Null(refused);
            Assert.True(file.Direct);
            foreach (var size in sizes)
            {
                var bytes = new byte[size];
                random.NextBytes(bytes);
                // A fragment as the recorder hands it over: its header, then its video and audio payloads.
                var cut1 = random.Next(0, size + 1);
                var cut2 = random.Next(cut1, size + 1);
                List<ReadOnlyMemory<byte>> parts = [bytes.AsMemory(0, cut1), bytes.AsMemory(cut1, cut2 - cut1), bytes.AsMemory(cut2)];
                file.Write(parts, expected.Count);
                expected.AddRange(bytes);

                Assert.Equal(expected.Count, file.Length);
                var onDisk = ReadShared(path);
                Assert.Equal(0, onDisk.Length % RecordingFile.BlockSize);
                Assert.True(onDisk.AsSpan(0, expected.Count).SequenceEqual(expected.ToArray()), $"the bytes of the {size}-byte write differ");
                var padding = onDisk.AsSpan(expected.Count);
                Assert.True(padding.Length >= 8, $"{padding.Length} bytes of padding");
                Assert.Equal((uint)padding.Length, BinaryPrimitives.ReadUInt32BigEndian(padding));
                Assert.Equal("free", System.Text.Encoding.ASCII.GetString(padding[4..8]));
            }
            file.Close();
        }
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_single_span_write_appends_as_the_gathered_one_does()
    {
        var path = Path.Combine(_root, "span.mp4");
        using (var file = RecordingFile.CreateNew(path, new RecordingBuffer(), out _))
        {
            file.Write(new byte[] { 1, 2, 3 }, 0);
            file.Write(Enumerable.Repeat((byte)9, 5000).ToArray(), 3);
            Assert.Equal(8192, ReadShared(path).Length);
            Assert.Throws<InvalidOperationException>(() => file.Write(new byte[] { 1 }, 2));
            file.Close();
        }
        Assert.Equal([1, 2, 3, .. Enumerable.Repeat((byte)9, 5000)], File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Where_the_filesystem_refuses_O_DIRECT_the_file_is_written_through_the_page_cache_and_says_why()
    {
        await using var ramfs = await RamFs.MountAsync();
        var path = Path.Combine(ramfs.Path, "buffered.mp4");
        using (var file = RecordingFile.CreateNew(path, new RecordingBuffer(), out var refused))
        {
            Assert.False(file.Direct);
            Assert.Contains("EINVAL", refused);
            file.Write([new byte[] { 1, 2 }, new byte[] { 3 }], 0);
            file.Write(new byte[] { 4 }, 3);
            Assert.Equal(4, file.Length);
            file.Close();
        }
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(path));
        Assert.Throws<IOException>(() => RecordingFile.CreateNew(path, new RecordingBuffer(), out _).Dispose());
    }

    [Fact]
    public void An_existing_file_is_never_taken_over()
    {
        var path = Path.Combine(_root, "exists.mp4");
        File.WriteAllBytes(path, [7]);
        Assert.Throws<IOException>(() => RecordingFile.CreateNew(path, new RecordingBuffer(), out _).Dispose());
        Assert.Equal([7], File.ReadAllBytes(path));
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
