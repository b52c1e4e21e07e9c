extension CUDAKernelSource {
    /// A dense layer, `output[r, c] = bias[c] + Σ_k input[r, k] · weights[k, c]`, then the layer's epilogue
    /// (`addend[c]` added, then the activation `DenseEpilogue` names: 1 Relu, 2 LeakyRelu with `alpha`, 3 Sigmoid,
    /// 4 Tanh, 0 none): one thread per output value, 16 × 16 tiles of input and weights staged in shared memory (the
    /// weights tile padded by a column against bank conflicts), products accumulated with fused multiply-adds, as the
    /// CPU's AVX kernels do. Sigmoid and Tanh are worked out in double precision and rounded once, as on the CPU.
    public static let denseLayer = CUDAKernelSource(
        name: "berth_dense_layer",
        entryPoints: ["berth_dense_layer"],
        code: #"""
        #define BERTH_TILE 16

        extern "C" __global__ void berth_dense_layer(
            const float *input, const float *weights, const float *bias, float *output,
            long long rows, long long inner, long long columns, long long hasBias,
            const float *addend, long long hasAddend, long long activation, double alpha)
        {
            __shared__ float inputTile[BERTH_TILE][BERTH_TILE];
            __shared__ float weightTile[BERTH_TILE][BERTH_TILE + 1];
            long long row = (long long)blockIdx.y * BERTH_TILE + threadIdx.y;
            long long column = (long long)blockIdx.x * BERTH_TILE + threadIdx.x;
            float sum = 0.0f;
            for (long long start = 0; start < inner; start += BERTH_TILE) {
                long long inputK = start + threadIdx.x;
                long long weightK = start + threadIdx.y;
                inputTile[threadIdx.y][threadIdx.x] = row < rows && inputK < inner ? input[row * inner + inputK] : 0.0f;
                weightTile[threadIdx.y][threadIdx.x] = weightK < inner && column < columns ? weights[weightK * columns + column] : 0.0f;
                __syncthreads();
                for (int k = 0; k < BERTH_TILE; ++k) {
                    sum = fmaf(inputTile[threadIdx.y][k], weightTile[k][threadIdx.x], sum);
                }
                __syncthreads();
            }
            if (row < rows && column < columns) {
                float value = hasBias ? bias[column] + sum : sum;
                if (hasAddend) value += addend[column];
                // An ordered <= leaves NaN as it is, and -0 becomes +0, as the CPU's Relu does.
                if (activation == 1 && value <= 0.0f) value = 0.0f;
                if (activation == 2 && !(value >= 0.0f)) value = (float)alpha * value;
                if (activation == 3) value = (float)(1.0 / (1.0 + exp(-(double)value)));
                if (activation == 4) value = (float)tanh((double)value);
                output[row * columns + column] = value;
            }
        }
        """#
    )
}
