using System.Collections.Concurrent;
using FaceRep.Core.Concurrency;

namespace FaceRep.Core.Tests.Concurrency;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task Writes_queued_during_a_commit_share_the_next_one_and_each_is_committed_once_in_order()
    {
        var committed = new ConcurrentQueue<int>();
        var batches = new ConcurrentQueue<int>();
        using var entered = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        using var commit = new GroupCommit<int>("test", (batch, _) =>
        {
            if (batches.IsEmpty)
            {
                entered.Release();
                release.Wait(TimeSpan.FromSeconds(10));
            }

            batches.Enqueue(batch.Count);
            foreach (var item in batch)
                committed.Enqueue(item);
        });

        var first = commit.SubmitAsync(-1);
        // The first commit has started and blocks; everything below queues behind it.
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(10)));

        var rest = Enumerable.Range(0, 100).Select(commit.SubmitAsync).ToList();
        release.Set();
        await Task.WhenAll(rest.Append(first));

        Assert.Equal([-1, .. Enumerable.Range(0, 100)], committed.ToArray());
        Assert.True(batches.Count < 10, $"100 writes queued behind one commit took {batches.Count} commits");
        Assert.Equal(101, commit.Writes);
    }

    [Fact]
    public async Task A_write_completes_only_after_its_batch_has_committed()
    {
        using var entered = new SemaphoreSlim(0);
        using var gate = new ManualResetEventSlim();
        using var commit = new GroupCommit<string>("test", (_, _) =>
        {
            entered.Release();
            gate.Wait(TimeSpan.FromSeconds(10));
        });

        var write = commit.SubmitAsync("a");
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(write.IsCompleted);

        gate.Set();
        await write.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_write_that_fails_on_its_own_faults_alone()
    {
        using var gate = new ManualResetEventSlim();
        using var commit = new GroupCommit<int>("test", (batch, failures) =>
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] % 2 == 1)
                    failures[i] = new InvalidOperationException($"odd {batch[i]}");
            }
        });

        var writes = Enumerable.Range(0, 6).Select(commit.SubmitAsync).ToList();
        gate.Set();
        await Task.WhenAll(writes.Where((_, i) => i % 2 == 0));
        foreach (var odd in writes.Where((_, i) => i % 2 == 1))
            Assert.Contains("odd", (await Assert.ThrowsAsync<InvalidOperationException>(() => odd)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_that_throws_fails_its_batch_and_the_next_batch_still_commits()
    {
        var calls = 0;
        using var commit = new GroupCommit<int>("test", (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
                throw new IOException("disk full");
        });

        var failed = await Assert.ThrowsAsync<IOException>(() => commit.SubmitAsync(1));
        Assert.Equal("disk full", failed.Message);
        await commit.SubmitAsync(2).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Closing_commits_what_is_queued_and_refuses_later_writes()
    {
        var committed = new ConcurrentQueue<int>();
        var commit = new GroupCommit<int>("test", (batch, _) =>
        {
            // A slow commit, so writes are still queued when the store closes.
            Thread.Sleep(20);
            foreach (var item in batch)
                committed.Enqueue(item);
        });
        var writes = Enumerable.Range(0, 50).Select(commit.SubmitAsync).ToList();

        commit.Dispose();

        await Task.WhenAll(writes);
        Assert.Equal(50, committed.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => commit.SubmitAsync(99));
    }
}
