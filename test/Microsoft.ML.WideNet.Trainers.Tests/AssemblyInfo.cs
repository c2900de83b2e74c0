// Training draws dropout and routing noise from LibTorch's process-wide generator: tests that compare two runs
// bit for bit must not share the process with another training at the same moment.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
