using System.Text;
using Microsoft.AspNetCore.DataProtection;
using StreamHub.Restream;

namespace StreamHub.Tests.Restream;

public sealed class RestreamKeyProtectorTests
{
    [Fact]
    public void A_key_round_trips_and_its_protected_form_does_not_contain_it()
    {
        var directory = Directory.CreateTempSubdirectory("streamhub-dp-");
        var protector = new RestreamKeyProtector(DataProtectionProvider.Create(directory, b => b.SetApplicationName("StreamHub")));
        const string Key = "live_123456789_AbCdEfGhIjKlMnOp?bandwidthtest=true";

        var protectedKey = protector.Protect(Key);

        Assert.DoesNotContain(Key, Encoding.UTF8.GetString(protectedKey));
        Assert.DoesNotContain("AbCdEfGh", Encoding.Latin1.GetString(protectedKey));
        Assert.True(protector.TryUnprotect(protectedKey, out var back));
        Assert.Equal(Key, back);
        Assert.True(protector.CanUnprotect(protectedKey));
    }

    [Fact]
    public void A_key_protected_with_a_lost_key_ring_reads_as_unreadable_without_throwing()
    {
        const string Key = "abcd-efgh-ijkl-mnop";
        var before = new RestreamKeyProtector(DataProtectionProvider.Create(Directory.CreateTempSubdirectory("streamhub-dp-"), b => b.SetApplicationName("StreamHub")));
        var afterLoss = new RestreamKeyProtector(DataProtectionProvider.Create(Directory.CreateTempSubdirectory("streamhub-dp-"), b => b.SetApplicationName("StreamHub")));

        var protectedKey = before.Protect(Key);

        Assert.False(afterLoss.TryUnprotect(protectedKey, out var key));
        Assert.Null(key);
        Assert.False(afterLoss.CanUnprotect(protectedKey));
        Assert.False(afterLoss.CanUnprotect([1, 2, 3]));
    }

    [Fact]
    public void Another_purpose_of_the_same_key_ring_cannot_read_a_restream_key()
    {
        var provider = DataProtectionProvider.Create(Directory.CreateTempSubdirectory("streamhub-dp-"), b => b.SetApplicationName("StreamHub"));
        var protectedKey = new RestreamKeyProtector(provider).Protect("abcd-efgh-ijkl-mnop");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => provider.CreateProtector("something else").Unprotect(protectedKey));
    }

    [Theory]
    [InlineData("abcd-efgh-ijkl-mnop", "mnop")]
    [InlineData("live_123456789_AbCdEfGh?bandwidthtest=true", "EfGh")]
    [InlineData("12345678", "78")]
    [InlineData("abc", "")]
    public void The_hint_is_at_most_four_characters_and_a_quarter_of_the_key_before_its_query(string key, string hint) =>
        Assert.Equal(hint, RestreamKeyProtector.Hint(key));
}
