// MSSA's attention core as one kernel of the addon (attention.c): per batch and head, the
// softmax attention of the projections onto one subspace and its gradient, CRATE-α eq. (5).
#ifndef CRATE_LAB_ATTENTION_H
#define CRATE_LAB_ATTENTION_H
#include <node_api.h>

// subspaceAttention(heap, wOffset, headsOffset, attentionOffset, batch, tokens, heads, headDim, scale)
napi_value subspace_attention(napi_env env, napi_callback_info info);
// subspaceAttentionGrad(heap, wOffset, attentionOffset, dHeadsOffset, dAttentionOffset, dwOffset, batch, tokens, heads, headDim, scale)
napi_value subspace_attention_grad(napi_env env, napi_callback_info info);

#endif
