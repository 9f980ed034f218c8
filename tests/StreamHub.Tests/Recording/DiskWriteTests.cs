using StreamHub.Recording;

namespace StreamHub.Tests.Recording;

public sealed class DiskWriteTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_gathered_write_puts_every_buffer_in_order_at_the_offset_even_past_the_kernels_vector_limit(bool direct)
    {
        // A long fragment lists more buffers than one pwritev takes (IOV_MAX, 1024 on Linux).
        var path = Path.Combine(Path.GetTempPath(), $"streamhub-diskwrite-{Guid.NewGuid():N}.bin");
        try
        {
            var buffers = Enumerable.Range(0, 3000).Select(i => (ReadOnlyMemory<byte>)Enumerable.Repeat((byte)(i % 251), 1 + i % 7).ToArray()).ToList();
            using (var file = RecordingFile.CreateNew(path, direct ? new RecordingBuffer() : null, out _))
            {
                Assert.Equal(direct, file.Direct);
                file.Write(new byte[] { 0xAA, 0xBB }, 0);
                file.Write(buffers, 2);
                file.Sync();
                file.Close();
            }
            byte[] expected = [0xAA, 0xBB, .. buffers.SelectMany(b => b.ToArray())];
            Assert.Equal(expected, await File.ReadAllBytesAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
