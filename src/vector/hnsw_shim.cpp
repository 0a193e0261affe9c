// hnsw_shim — see hnsw.h. The only C++ in resops: owns the hnswlib space
// and index, and turns every exception into a negative errno.
#include "vector/hnsw.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>
#include <string>
#include <sys/stat.h>

struct Hnsw {
    int dim;
    hnswlib::InnerProductSpace space;
    hnswlib::HierarchicalNSW<float> *index;
    explicit Hnsw(int d) : dim(d), space((size_t)d), index(nullptr) {}
    ~Hnsw() { delete index; }
};

extern "C" int hnsw_create(int dim, size_t max_elements, int m, int ef_construction, Hnsw **out)
{
    if (dim < 1 || m < 2 || ef_construction < 1)
        return -EINVAL;
    Hnsw *h = nullptr;
    try {
        h = new Hnsw(dim);
        h->index = new hnswlib::HierarchicalNSW<float>(&h->space, max_elements ? max_elements : 1024,
                                                       (size_t)m, (size_t)ef_construction);
    } catch (const std::bad_alloc &) {
        delete h;
        return -ENOMEM;
    } catch (...) {
        delete h;
        return -EIO;
    }
    *out = h;
    return 0;
}

extern "C" void hnsw_free(Hnsw *h)
{
    delete h;
}

extern "C" int hnsw_resize(Hnsw *h, size_t max_elements)
{
    try {
        h->index->resizeIndex(max_elements);
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (const std::runtime_error &) {
        return -EINVAL;
    } catch (...) {
        return -EIO;
    }
    return 0;
}

extern "C" int hnsw_add(Hnsw *h, int64_t label, const float *v)
{
    if (label < 0)
        return -EINVAL;
    try {
        hnswlib::HierarchicalNSW<float> *ix = h->index;
        bool known = ix->label_lookup_.count((hnswlib::labeltype)label) > 0;
        if (!known && ix->cur_element_count >= ix->max_elements_) {
            int rc = hnsw_resize(h, ix->max_elements_ * 2);
            if (rc)
                return rc;
        }
        ix->addPoint(v, (hnswlib::labeltype)label);
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (...) {
        return -EIO;
    }
    return 0;
}

extern "C" int hnsw_add_shared(Hnsw *h, int64_t label, const float *v)
{
    if (label < 0)
        return -EINVAL;
    try {
        h->index->addPoint(v, (hnswlib::labeltype)label);
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (const std::runtime_error &) {
        return -ENOSPC;   // "The number of elements exceeds the specified limit"
    } catch (...) {
        return -EIO;
    }
    return 0;
}

extern "C" int hnsw_remove(Hnsw *h, int64_t label)
{
    try {
        h->index->markDelete((hnswlib::labeltype)label);
    } catch (...) {
        return -ENOENT;
    }
    return 0;
}

extern "C" int hnsw_has(const Hnsw *h, int64_t label)
{
    return h->index->label_lookup_.count((hnswlib::labeltype)label) > 0;
}

extern "C" void hnsw_set_ef(Hnsw *h, int ef)
{
    h->index->setEf(ef > 0 ? (size_t)ef : 10);
}

extern "C" int hnsw_search(const Hnsw *h, const float *q, int k, VecHit *out)
{
    if (k <= 0)
        return 0;
    try {
        auto pq = h->index->searchKnn(q, (size_t)k);
        // the queue's top is the farthest: fill from the back
        int n = (int)pq.size();
        for (int i = n - 1; i >= 0; i--) {
            out[i].label = (int64_t)pq.top().second;
            out[i].score = 1.0f - pq.top().first;
            pq.pop();
        }
        return n;
    } catch (...) {
        return -EIO;
    }
}

extern "C" int hnsw_search_ef(const Hnsw *h, const float *q, int k, int ef, VecHit *out)
{
    if (k <= 0)
        return 0;
    try {
        const hnswlib::HierarchicalNSW<float> *ix = h->index;
        if (ix->cur_element_count == 0)
            return 0;
        // searchKnn's descent, with this call's breadth instead of ef_
        hnswlib::tableint cur = ix->enterpoint_node_;
        float curdist = ix->fstdistfunc_(q, ix->getDataByInternalId(cur), ix->dist_func_param_);
        for (int level = ix->maxlevel_; level > 0; level--) {
            bool changed = true;
            while (changed) {
                changed = false;
                unsigned int *data = (unsigned int *)ix->get_linklist(cur, level);
                int size = ix->getListCount(data);
                hnswlib::tableint *datal = (hnswlib::tableint *)(data + 1);
                for (int i = 0; i < size; i++) {
                    hnswlib::tableint cand = datal[i];
                    if (cand > ix->max_elements_)
                        return -EIO;
                    float d = ix->fstdistfunc_(q, ix->getDataByInternalId(cand),
                                               ix->dist_func_param_);
                    if (d < curdist) {
                        curdist = d;
                        cur = cand;
                        changed = true;
                    }
                }
            }
        }
        size_t breadth = std::max((size_t)(ef > 0 ? ef : 1), (size_t)k);
        auto top = ix->num_deleted_ ? ix->searchBaseLayerST<true, false>(cur, q, breadth)
                                    : ix->searchBaseLayerST<false, false>(cur, q, breadth);
        while (top.size() > (size_t)k)
            top.pop();
        // the queue's top is the farthest: fill from the back
        int n = (int)top.size();
        for (int i = n - 1; i >= 0; i--) {
            out[i].label = (int64_t)ix->getExternalLabel(top.top().second);
            out[i].score = 1.0f - top.top().first;
            top.pop();
        }
        return n;
    } catch (...) {
        return -EIO;
    }
}

extern "C" void hnsw_set_ef_construction(Hnsw *h, int ef_construction)
{
    h->index->ef_construction_ = std::max((size_t)(ef_construction > 0 ? ef_construction : 1),
                                          h->index->M_);
}

extern "C" int hnsw_save(const Hnsw *h, const char *path)
{
    std::string tmp = std::string(path) + ".tmp";
    try {
        h->index->saveIndex(tmp);
    } catch (...) {
        std::remove(tmp.c_str());
        return -EIO;
    }
    struct stat sb;
    // saveIndex does not report a failed write: the file must hold at
    // least the vectors' level-0 block
    size_t want = h->index->cur_element_count * h->index->size_data_per_element_;
    if (stat(tmp.c_str(), &sb) != 0 || (size_t)sb.st_size < want) {
        std::remove(tmp.c_str());
        return -EIO;
    }
    if (std::rename(tmp.c_str(), path) != 0) {
        std::remove(tmp.c_str());
        return -EIO;
    }
    return 0;
}

extern "C" int hnsw_load(const char *path, int dim, Hnsw **out)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return -ENOENT;
    if (dim < 1)
        return -EINVAL;
    Hnsw *h = nullptr;
    try {
        h = new Hnsw(dim);
        h->index = new hnswlib::HierarchicalNSW<float>(&h->space, std::string(path));
        hnswlib::HierarchicalNSW<float> *ix = h->index;
        // a file of another dimension loads "fine" and reads past its rows
        if (ix->size_data_per_element_ != ix->size_links_level0_ + ix->data_size_ +
                                              sizeof(hnswlib::labeltype)) {
            delete h;
            return -EINVAL;
        }
    } catch (const std::bad_alloc &) {
        delete h;
        return -ENOMEM;
    } catch (...) {
        delete h;
        return -EINVAL;
    }
    *out = h;
    return 0;
}

extern "C" int hnsw_dim(const Hnsw *h) { return h->dim; }
extern "C" size_t hnsw_size(const Hnsw *h) { return h->index->cur_element_count; }
extern "C" size_t hnsw_capacity(const Hnsw *h) { return h->index->max_elements_; }
