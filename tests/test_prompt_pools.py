"""Prompt selection of L2P++, DualPrompt and CODA-Prompt on small inputs, against hand-written
versions of CODA-Prompt's models/zoo.py formulas."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from methods._prompts import CodaPromptPool, KeyQueryPool, gram_schmidt_rows


def _pool(**kwargs) -> KeyQueryPool:
    torch.manual_seed(0)
    return KeyQueryPool(embed_dim=8, pool_size=6, prompt_length=4, **kwargs)


def test_l2p_picks_the_top_k_keys_by_cosine_and_prefixes_their_halves():
    pool = _pool(e_layers=(0,), top_k=2)
    query = torch.randn(3, 8)
    (k, v), loss = pool(query, 0, train=True)
    cos = F.normalize(query, dim=1) @ F.normalize(pool.e_keys["0"], dim=1).T
    chosen = cos.topk(2, dim=1).indices
    prompts = pool.e_prompts["0"]
    assert torch.equal(k, torch.cat([prompts[chosen[:, 0], :2], prompts[chosen[:, 1], :2]], dim=1))
    assert torch.equal(v, torch.cat([prompts[chosen[:, 0], 2:], prompts[chosen[:, 1], 2:]], dim=1))
    reference = sum((1 - cos[b, chosen[c, j]]) for b in range(3) for c in range(3) for j in range(2))  # B x B x k, as the reference code
    assert torch.allclose(loss, reference)
    assert pool(query, 1, train=True)[0] is None  # no prompt outside its layers


def test_a_query_equal_to_a_key_selects_that_key():
    pool = _pool(e_layers=(0,), top_k=1)
    query = pool.e_keys["0"][4:5].detach() * 3.0
    (k, _), _ = pool(query, 0, train=False)
    assert torch.equal(k[0], pool.e_prompts["0"][4, :2])


def test_dualprompt_trains_the_current_tasks_e_prompt_and_infers_by_key():
    pool = _pool(e_layers=(2,), g_layers=(0,), g_length=2, top_k=1, task_id_bootstrap=True)
    pool.next_task()  # task 1
    query = torch.randn(5, 8)
    (k, v), loss = pool(query, 2, train=True)
    assert torch.equal(k, pool.e_prompts["2"][1, :2].expand(5, -1, -1))
    cos = F.normalize(query, dim=1) @ F.normalize(pool.e_keys["2"], dim=1).T
    assert torch.allclose(loss, (1 - cos[:, 1]).sum())
    (k_eval, _), _ = pool(query, 2, train=False)
    best = cos.argmax(1)
    assert torch.equal(k_eval, pool.e_prompts["2"][best, :2])
    (g_k, g_v), g_loss = pool(query, 0, train=True)  # G-prompt: shared, no key loss
    assert torch.equal(g_k, pool.g_prompts["0"][:1].expand(5, -1, -1)) and torch.equal(g_v, pool.g_prompts["0"][1:].expand(5, -1, -1))
    assert float(g_loss) == 0.0


def test_gram_schmidt_keeps_earlier_rows_and_makes_new_ones_orthonormal():
    base = torch.randn(6, 10)
    base[:2] = torch.linalg.qr(base[:2].T).Q.T  # earlier tasks' rows are orthonormal, as GS left them
    result = gram_schmidt_rows(base, 2, 4, torch.Generator().manual_seed(0))
    assert torch.equal(result[:2], base[:2])
    assert torch.equal(result[4:], base[4:])
    for row in (2, 3):
        assert torch.isclose(result[row].norm(), torch.tensor(1.0), atol=1e-5)
        for earlier in range(row):
            assert abs(float(result[row] @ result[earlier])) < 1e-4


def test_coda_prompt_is_the_attention_weighted_sum_of_components():
    pool = CodaPromptPool(embed_dim=12, pool_size=6, prompt_length=4, num_tasks=3, layers=(0, 1))
    keys = pool.keys["0"]
    assert torch.allclose(keys[:2] @ keys[:2].T, torch.eye(2), atol=1e-5)  # task 0's components are orthonormal
    assert torch.count_nonzero(keys[2:]) == 0  # later tasks' components wait for their task
    pool.next_task()
    assert torch.allclose(keys[:4] @ keys[:4].T, torch.eye(4), atol=1e-4)
    query = torch.randn(3, 12)
    (k, v), loss = pool(query, 1, train=False)
    a, p = pool.attention["1"][:4], pool.components["1"][:4]
    alpha = torch.einsum("bkd,kd->bk", F.normalize(query[:, None] * a[None], dim=2), F.normalize(pool.keys["1"][:4], dim=1))
    prompt = torch.einsum("bk,kld->bld", alpha, p)
    assert torch.allclose(k, prompt[:, :2], atol=1e-6) and torch.allclose(v, prompt[:, 2:], atol=1e-6)
    assert loss == 0.0


def test_coda_prompt_trains_only_the_current_tasks_components():
    pool = CodaPromptPool(embed_dim=12, pool_size=6, prompt_length=4, num_tasks=3, layers=(0,))
    pool.next_task()
    (k, v), _ = pool(torch.randn(3, 12), 0, train=True)
    (k.sum() + v.sum()).backward()
    grad = pool.components["0"].grad
    assert torch.count_nonzero(grad[:2]) == 0 and torch.count_nonzero(grad[2:4]) > 0 and torch.count_nonzero(grad[4:]) == 0
